using Confluent.Kafka;
using Streams.Engine.Runtime;

namespace Streams.Engine.Tests.Runtime;

/// <summary>
/// The order of the commit path, on client doubles: output before offsets, offsets before checkpoints, and nothing
/// marked consumed when output is not safe. That commits survive crashes is tested end to end on a broker.
/// </summary>
public sealed class CommitterTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);
    private static readonly TopicPartitionOffset[] Offsets = [new(new TopicPartition("clicks", 0), 42), new(new TopicPartition("clicks", 1), 7)];

    private readonly ClientJournal _journal = new();

    private (AtLeastOnceCommitter Committer, RecordingProducer Producer, RecordingConsumer Consumer) AtLeastOnce()
    {
        var producer = new RecordingProducer(_journal);
        var consumer = new RecordingConsumer(_journal);
        var committer = new AtLeastOnceCommitter(producer, consumer, () => _journal.Calls.Add("stores.Flush"), () => _journal.Calls.Add("checkpoints.Write"), Timeout);
        return (committer, producer, consumer);
    }

    private (ExactlyOnceCommitter Committer, RecordingProducer Producer) ExactlyOnce()
    {
        var producer = new RecordingProducer(_journal);
        return (new ExactlyOnceCommitter(producer, Timeout), producer);
    }

    [Fact]
    public void At_least_once_waits_for_output_then_flushes_stores_then_commits_offsets_then_writes_checkpoints()
    {
        var (committer, _, consumer) = AtLeastOnce();

        committer.Commit(Offsets);

        Assert.Equal(["producer.Flush", "stores.Flush", "consumer.Commit", "checkpoints.Write"], _journal.Calls);
        Assert.Equal(Offsets, consumer.CommittedOffsets);
    }

    [Fact]
    public void At_least_once_commits_nothing_and_writes_no_checkpoint_while_output_is_unacknowledged()
    {
        var (committer, producer, consumer) = AtLeastOnce();
        producer.UnsentAfterFlush = 3;

        var error = Assert.Throws<StreamsException>(() => committer.Commit(Offsets));

        Assert.Contains("3 records were still unacknowledged", error.Message, StringComparison.Ordinal);
        Assert.Equal(["producer.Flush"], _journal.Calls);
        Assert.Empty(consumer.CommittedOffsets);
    }

    [Fact]
    public void At_least_once_without_new_offsets_still_flushes_and_checkpoints_the_stores()
    {
        var (committer, _, _) = AtLeastOnce();

        committer.Commit([]);

        Assert.Equal(["producer.Flush", "stores.Flush", "checkpoints.Write"], _journal.Calls);
    }

    [Fact]
    public void Exactly_once_puts_the_offsets_in_the_transaction_commits_it_and_begins_the_next()
    {
        var (committer, producer) = ExactlyOnce();

        committer.Commit(Offsets);

        Assert.Equal(["producer.SendOffsetsToTransaction", "producer.CommitTransaction", "producer.BeginTransaction"], _journal.Calls);
        Assert.Equal(Offsets, producer.OffsetsSentToTransaction);
    }

    [Fact]
    public void Exactly_once_lets_a_failed_commit_stop_the_thread_without_beginning_another_transaction()
    {
        var (committer, producer) = ExactlyOnce();
        producer.FailCommit = new KafkaException(ErrorCode.Local_Fenced);

        Assert.Throws<KafkaException>(() => committer.Commit(Offsets));

        Assert.DoesNotContain("producer.BeginTransaction", _journal.Calls);
    }
}
