using Confluent.Kafka;
using Streams.Engine.Metrics;

namespace Streams.Engine.Runtime;

/// <summary>
/// The buffered input of a task that reads more than one partition, so that it processes them in timestamp order as
/// Kafka Streams does: the next record is the one with the smallest timestamp among the partitions' heads. A task can
/// only know that order when every partition has a buffered record, so while one is empty the task waits for it:
/// <list type="bullet">
/// <item>if the broker has records of it that the consumer has not delivered yet (its fetched lag is positive or not
/// yet known), until they arrive, but no longer than <see cref="FetchPatienceMs"/>;</item>
/// <item>if it is caught up, for <see cref="StreamsConfig.MaxTaskIdleMs"/> (0 by default: not at all).</item>
/// </list>
/// With max.task.idle.ms = -1 the task never waits and takes the smallest head of what is buffered. Each partition
/// buffers up to <see cref="StreamsConfig.BufferedRecordsPerPartition"/> records; a full one is paused by the caller
/// and resumed once half of it is processed, so a backlog on one topic cannot fill memory while another is awaited.
/// </summary>
internal sealed class PartitionGroup
{
    /// <summary>
    /// The longest a task waits for records the broker holds but the consumer has not delivered. They arrive within a
    /// fetch round trip; the bound is there so that a fetch that never completes delays the other partitions, not stops
    /// them (Kafka Streams waits without a bound).
    /// </summary>
    public const long FetchPatienceMs = 5_000;

    private readonly Partition[] _partitions;
    private readonly long _maxIdleMs;
    private readonly int _capacity;
    private readonly Counter _enforcedProcessing;

    /// <param name="enforcedProcessing">Counts each time the task stops waiting for a partition whose records are on their way.</param>
    public PartitionGroup(IReadOnlyList<TopicPartition> partitions, long maxIdleMs, int capacity, Counter enforcedProcessing)
    {
        _partitions = new Partition[partitions.Count];
        for (var i = 0; i < _partitions.Length; i++)
        {
            _partitions[i] = new Partition(partitions[i]);
        }

        _maxIdleMs = maxIdleMs;
        _capacity = capacity;
        _enforcedProcessing = enforcedProcessing;
    }

    /// <summary>Records buffered and not yet taken.</summary>
    public int Buffered { get; private set; }

    /// <summary>Whether <paramref name="topicPartition"/> has records buffered.</summary>
    public bool HasBuffered(TopicPartition topicPartition) => Find(topicPartition).Records.Count > 0;

    /// <summary>Whether the last <see cref="TryNext"/> stopped because a partition's records are still on their way.</summary>
    public bool WaitingForFetch { get; private set; }

    /// <summary>
    /// Buffers <paramref name="record"/>; returns whether its partition is now full and must be paused (the caller
    /// then rewinds the consumer to <paramref name="record"/>'s successor). A record the partition already buffered
    /// (delivered again after such a rewind) is ignored.
    /// </summary>
    public bool Add(ConsumeResult<byte[], byte[]> record)
    {
        var partition = Find(record.TopicPartition);
        var offset = record.Offset.Value;
        if (offset < partition.NextOffset)
        {
            return false;
        }

        partition.Records.Enqueue(record);
        partition.NextOffset = offset + 1;
        partition.EmptySince = null;
        partition.GaveUp = false;
        Buffered++;
        if (partition.Records.Count < _capacity || partition.Paused)
        {
            return false;
        }

        partition.Paused = true;
        return true;
    }

    /// <summary>Starts a round of <see cref="TryNext"/> calls: what was learned of empty partitions is asked again.</summary>
    public void BeginRound()
    {
        foreach (var partition in _partitions)
        {
            partition.ReadyWhileEmpty = false;
        }

        WaitingForFetch = false;
    }

    /// <summary>
    /// The next record in timestamp order, if the task may process it now (<paramref name="nowMs"/> is the wall clock;
    /// <paramref name="fetchedLag"/> tells how many records of a partition the broker has that the consumer has not
    /// delivered, null when not yet known). <paramref name="resume"/> says that the record's partition was paused and has
    /// room again.
    /// </summary>
    public bool TryNext(long nowMs, Func<TopicPartition, long?> fetchedLag, out ConsumeResult<byte[], byte[]> record, out bool resume)
    {
        record = null!;
        resume = false;
        if (Buffered == 0)
        {
            return false;
        }

        Partition? next = null;
        var nextTimestamp = long.MaxValue;
        foreach (var partition in _partitions)
        {
            if (partition.Records.TryPeek(out var head))
            {
                // Ties go to the partition declared first, so that the order does not depend on arrival.
                if (next is null || head.Message.Timestamp.UnixTimestampMs < nextTimestamp)
                {
                    next = partition;
                    nextTimestamp = head.Message.Timestamp.UnixTimestampMs;
                }
            }
            else if (!partition.ReadyWhileEmpty && !MayProceedWithout(partition, nowMs, fetchedLag))
            {
                return false;
            }
        }

        record = next!.Records.Dequeue();
        Buffered--;
        if (next.Records.Count == 0)
        {
            next.EmptySince = nowMs;
        }

        if (next.Paused && next.Records.Count <= _capacity / 2)
        {
            next.Paused = false;
            resume = true;
        }

        return true;
    }

    /// <summary>Drops everything buffered (the task is closing; its partitions are read again by their next owner).</summary>
    public void Clear()
    {
        foreach (var partition in _partitions)
        {
            partition.Records.Clear();
        }

        Buffered = 0;
    }

    private bool MayProceedWithout(Partition partition, long nowMs, Func<TopicPartition, long?> fetchedLag)
    {
        if (_maxIdleMs < 0)
        {
            return partition.ReadyWhileEmpty = true;
        }

        var since = partition.EmptySince ??= nowMs;
        var lag = fetchedLag(partition.TopicPartition);
        if (lag is not 0)
        {
            if (nowMs - since < FetchPatienceMs)
            {
                WaitingForFetch = true;
                return false;
            }

            // Given up until the partition's next record: a lag that never clears must not stall the task again.
            if (!partition.GaveUp)
            {
                partition.GaveUp = true;
                _enforcedProcessing.Increment();
            }

            return partition.ReadyWhileEmpty = true;
        }

        return partition.ReadyWhileEmpty = nowMs - since >= _maxIdleMs;
    }

    private Partition Find(TopicPartition topicPartition)
    {
        foreach (var partition in _partitions)
        {
            if (partition.TopicPartition == topicPartition)
            {
                return partition;
            }
        }

        throw new InvalidOperationException($"The task does not read {topicPartition}.");
    }

    private sealed class Partition(TopicPartition topicPartition)
    {
        public TopicPartition TopicPartition { get; } = topicPartition;

        public Queue<ConsumeResult<byte[], byte[]>> Records { get; } = new();

        /// <summary>The offset after the last record buffered: anything below it is a repeat.</summary>
        public long NextOffset { get; set; } = -1;

        /// <summary>Since when (wall clock) the partition has had nothing buffered; null while it has records.</summary>
        public long? EmptySince { get; set; }

        /// <summary>Whether, in this round, the task may go on without this partition's next record.</summary>
        public bool ReadyWhileEmpty { get; set; }

        /// <summary>Whether the task stopped waiting for this partition's records on their way.</summary>
        public bool GaveUp { get; set; }

        public bool Paused { get; set; }
    }
}
