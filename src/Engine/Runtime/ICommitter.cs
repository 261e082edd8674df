using Confluent.Kafka;

namespace Streams.Engine.Runtime;

/// <summary>
/// Makes a stream thread's progress durable: the output of the records processed so far, then the input offsets
/// after them, so that nothing is marked consumed before its results are safe. One implementation per processing
/// guarantee.
/// </summary>
internal interface ICommitter
{
    /// <param name="offsets">The next offset to read of each input partition processed since the last commit.</param>
    void Commit(IReadOnlyList<TopicPartitionOffset> offsets);
}
