using Confluent.Kafka;

namespace Streams.Engine.Tasks;

/// <summary>
/// Where a task's output goes: sink records, changelog records and dead letters. The runtime implements it with a
/// producer; the topology test driver with in-memory topics.
/// </summary>
internal interface IRecordCollector
{
    /// <param name="partition">An explicit partition (changelogs), or null for the key's default partition.</param>
    void Send(string topic, byte[]? key, byte[]? value, Headers? headers, long timestamp, int? partition);
}
