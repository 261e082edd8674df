namespace Streams.Engine.State;

/// <summary>
/// Receives every change of a logged store. The task implements it by sending the change to the store's changelog
/// topic, on the task's partition, with the timestamp of the record being processed.
/// </summary>
internal interface IChangelogWriter
{
    void Append(string storeName, byte[] key, byte[]? value);
}
