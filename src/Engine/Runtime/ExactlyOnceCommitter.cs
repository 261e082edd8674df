using Confluent.Kafka;

namespace Streams.Engine.Runtime;

/// <summary>
/// Exactly-once (v2): the input offsets join the open transaction, which then commits outputs, changelog writes and
/// offsets atomically, and the next transaction begins. Checkpoints are not written while running: after a crash the
/// stores are rebuilt from their committed changelogs.
/// </summary>
internal sealed class ExactlyOnceCommitter(ICommitProducer producer, TimeSpan timeout) : ICommitter
{
    public void Commit(IReadOnlyList<TopicPartitionOffset> offsets)
    {
        if (offsets.Count > 0)
        {
            producer.SendOffsetsToTransaction(offsets, timeout);
        }

        producer.CommitTransaction(timeout);
        producer.BeginTransaction();
        producer.ThrowIfFailed();
    }
}
