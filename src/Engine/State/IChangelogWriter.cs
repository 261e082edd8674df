namespace Streams.Engine.State;

/// <summary>
/// Receives every change of a logged store. The task implements it by sending the change to the store's changelog
/// topic, on the task's partition.
/// </summary>
internal interface IChangelogWriter
{
    /// <summary>The timestamp of the record being processed (or of the punctuation running), which a change carries.</summary>
    long CurrentTimestamp { get; }

    void Append(string storeName, byte[] key, byte[]? value, long timestamp);
}
