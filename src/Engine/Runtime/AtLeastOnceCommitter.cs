using Confluent.Kafka;

namespace Streams.Engine.Runtime;

/// <summary>
/// At-least-once: wait until every record sent so far is acknowledged, flush the stores, commit the input offsets,
/// then write checkpoints. A crash between any two steps repeats work on restart, never loses it.
/// </summary>
internal sealed class AtLeastOnceCommitter(
    ICommitProducer producer,
    IConsumer<byte[], byte[]> consumer,
    Action flushStores,
    Action writeCheckpoints,
    TimeSpan timeout) : ICommitter
{
    public void Commit(IReadOnlyList<TopicPartitionOffset> offsets)
    {
        var unsent = producer.Flush(timeout);
        if (unsent > 0)
        {
            throw new StreamsException($"{unsent} records were still unacknowledged after {timeout.TotalSeconds} s; not committing.");
        }

        producer.ThrowIfFailed();
        flushStores();
        if (offsets.Count > 0)
        {
            consumer.Commit(offsets);
        }

        writeCheckpoints();
    }
}
