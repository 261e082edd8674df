using Confluent.Kafka;
using Streams.Engine.Metrics;
using Streams.Engine.Runtime;

namespace Streams.Engine.Tests.Runtime;

/// <summary>
/// The order in which a task that reads several partitions takes their buffered records, and when it waits: for records
/// the broker holds (bounded by the fetch patience), for a caught-up partition only as long as max.task.idle.ms says.
/// </summary>
public sealed class PartitionGroupTests
{
    private static readonly TopicPartition Views = new("views", 0);
    private static readonly TopicPartition Prices = new("prices", 0);
    private readonly Counter _enforced = new StreamsMetrics().Counter(RuntimeMetrics.EnforcedProcessing, "0_0");

    private PartitionGroup Group(long maxIdleMs = 0, int capacity = 1000) => new([Views, Prices], maxIdleMs, capacity, _enforced);

    private static ConsumeResult<byte[], byte[]> Record(TopicPartition partition, long offset, long timestamp) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset(partition, offset),
        Message = new Message<byte[], byte[]> { Key = [], Value = [], Timestamp = new Timestamp(timestamp, TimestampType.CreateTime) },
    };

    private static List<string> Drain(PartitionGroup group, long nowMs, Func<TopicPartition, long?> fetchedLag)
    {
        var taken = new List<string>();
        group.BeginRound();
        while (group.TryNext(nowMs, fetchedLag, out var record, out _))
        {
            taken.Add($"{record.Topic}@{record.Message.Timestamp.UnixTimestampMs}");
        }

        return taken;
    }

    [Fact]
    public void Records_are_taken_in_timestamp_order_across_partitions_whatever_order_they_arrived_in()
    {
        var group = Group();
        foreach (var (offset, timestamp) in new[] { (0L, 10L), (1, 30), (2, 50) })
        {
            group.Add(Record(Views, offset, timestamp));
        }

        group.Add(Record(Prices, 0, 20));
        group.Add(Record(Prices, 1, 40));
        group.Add(Record(Prices, 2, 30));

        Assert.Equal(["views@10", "prices@20", "views@30", "prices@40", "prices@30", "views@50"], Drain(group, 0, _ => 0));
    }

    [Fact]
    public void A_partition_whose_records_are_still_on_their_way_holds_the_task_back_until_they_arrive()
    {
        var group = Group();
        group.Add(Record(Views, 0, 10));
        group.Add(Record(Views, 1, 30));

        // The broker has prices the consumer has not delivered yet (or the partition was never fetched).
        Assert.Empty(Drain(group, 1_000, p => p == Prices ? 3 : 0));
        Assert.True(group.WaitingForFetch);
        Assert.Empty(Drain(group, 1_000, p => p == Prices ? null : 0));

        group.Add(Record(Prices, 0, 20));
        Assert.Equal(["views@10", "prices@20"], Drain(group, 1_010, p => p == Prices ? 2 : 0));

        // Caught up: the rest goes without waiting under the default max.task.idle.ms of 0.
        Assert.Equal(["views@30"], Drain(group, 1_020, _ => 0));
        Assert.False(group.WaitingForFetch);
        Assert.Equal(0, _enforced.Value);
    }

    [Fact]
    public void After_the_fetch_patience_the_task_goes_on_without_the_partition_and_counts_it_once()
    {
        var group = Group();
        group.Add(Record(Views, 0, 10));
        Assert.Empty(Drain(group, 0, _ => 5));

        Assert.Empty(Drain(group, PartitionGroup.FetchPatienceMs - 1, _ => 5));
        Assert.Equal(["views@10"], Drain(group, PartitionGroup.FetchPatienceMs, _ => 5));
        group.Add(Record(Views, 1, 20));
        Assert.Equal(["views@20"], Drain(group, PartitionGroup.FetchPatienceMs + 1, _ => 5));
        Assert.Equal(1, _enforced.Value);

        // A record of the partition ends the episode: the next gap is waited for again.
        group.Add(Record(Prices, 0, 30));
        group.Add(Record(Views, 2, 40));
        Assert.Equal(["prices@30"], Drain(group, PartitionGroup.FetchPatienceMs + 2, _ => 5));
    }

    [Fact]
    public void A_positive_max_task_idle_waits_that_long_for_a_caught_up_partition_and_minus_one_never_waits()
    {
        var idle = Group(maxIdleMs: 500);
        idle.Add(Record(Views, 0, 10));
        Assert.Empty(Drain(idle, 1_000, _ => 0));
        Assert.False(idle.WaitingForFetch);
        Assert.Empty(Drain(idle, 1_499, _ => 0));
        Assert.Equal(["views@10"], Drain(idle, 1_500, _ => 0));

        var never = Group(maxIdleMs: -1);
        never.Add(Record(Views, 0, 10));
        Assert.Equal(["views@10"], Drain(never, 0, _ => throw new InvalidOperationException("-1 does not look at lag")));
    }

    [Fact]
    public void A_full_partition_asks_to_be_paused_ignores_records_delivered_again_and_asks_to_resume_at_half()
    {
        var group = Group(capacity: 4);
        Assert.False(group.Add(Record(Views, 0, 10)));
        Assert.False(group.Add(Record(Views, 1, 11)));
        Assert.False(group.Add(Record(Views, 2, 12)));
        Assert.True(group.Add(Record(Views, 3, 13)), "the fourth record fills the partition");
        Assert.False(group.Add(Record(Views, 2, 12)), "a repeat after the rewind is not buffered again");
        Assert.Equal(4, group.Buffered);

        group.BeginRound();
        var resumed = new List<long>();
        while (group.TryNext(0, _ => 0, out var record, out var resume))
        {
            if (resume)
            {
                resumed.Add(record.Offset.Value);
            }
        }

        Assert.Equal([1L], resumed);
        Assert.Equal(0, group.Buffered);
    }
}
