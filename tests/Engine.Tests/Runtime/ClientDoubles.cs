using Confluent.Kafka;
using Streams.Engine.Runtime;

namespace Streams.Engine.Tests.Runtime;

/// <summary>
/// Client doubles for unit tests of the runtime's own bookkeeping: they record the calls the commit path makes, in
/// order, into a shared journal. Everything a user sees is tested end to end against a broker instead.
/// </summary>
internal sealed class ClientJournal
{
    public List<string> Calls { get; } = [];
}

internal sealed class RecordingProducer(ClientJournal journal) : ICommitProducer
{
    public int UnsentAfterFlush { get; set; }

    public Exception? FailCommit { get; set; }

    public List<TopicPartitionOffset> OffsetsSentToTransaction { get; } = [];

    public int Flush(TimeSpan timeout)
    {
        journal.Calls.Add("producer.Flush");
        return UnsentAfterFlush;
    }

    public void ThrowIfFailed()
    {
    }

    public void SendOffsetsToTransaction(IReadOnlyList<TopicPartitionOffset> offsets, TimeSpan timeout)
    {
        journal.Calls.Add("producer.SendOffsetsToTransaction");
        OffsetsSentToTransaction.AddRange(offsets);
    }

    public void CommitTransaction(TimeSpan timeout)
    {
        journal.Calls.Add("producer.CommitTransaction");
        if (FailCommit is { } failure)
        {
            throw failure;
        }
    }

    public void BeginTransaction() => journal.Calls.Add("producer.BeginTransaction");
}

internal sealed class RecordingConsumer(ClientJournal journal) : IConsumer<byte[], byte[]>
{
    public List<TopicPartitionOffset> CommittedOffsets { get; } = [];

    public IConsumerGroupMetadata ConsumerGroupMetadata => new GroupMetadata();

    public void Commit(IEnumerable<TopicPartitionOffset> offsets)
    {
        journal.Calls.Add("consumer.Commit");
        CommittedOffsets.AddRange(offsets);
    }

    public Handle Handle => throw new NotSupportedException();

    public string Name => "recording-consumer";

    public string MemberId => "member";

    public List<TopicPartition> Assignment { get; } = [];

    public List<string> Subscription => [];

    public string? ConsumerGroupId => "group";

    public int AddBrokers(string brokers) => throw new NotSupportedException();

    public void SetSaslCredentials(string username, string password) => throw new NotSupportedException();

    public ConsumeResult<byte[], byte[]> Consume(int millisecondsTimeout) => throw new NotSupportedException();

    public ConsumeResult<byte[], byte[]> Consume(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ConsumeResult<byte[], byte[]> Consume(TimeSpan timeout) => throw new NotSupportedException();

    public void Subscribe(IEnumerable<string> topics) => throw new NotSupportedException();

    public void Subscribe(string topic) => throw new NotSupportedException();

    public void Unsubscribe() => throw new NotSupportedException();

    public void Assign(TopicPartition partition) => throw new NotSupportedException();

    public void Assign(TopicPartitionOffset partition) => throw new NotSupportedException();

    public void Assign(IEnumerable<TopicPartitionOffset> partitions) => throw new NotSupportedException();

    public void Assign(IEnumerable<TopicPartition> partitions) => throw new NotSupportedException();

    public void IncrementalAssign(IEnumerable<TopicPartitionOffset> partitions)
    {
        var added = partitions.Select(p => p.TopicPartition).ToList();
        journal.Calls.Add($"consumer.IncrementalAssign({string.Join(", ", added)})");
        Assignment.AddRange(added);
    }

    public void IncrementalAssign(IEnumerable<TopicPartition> partitions) => throw new NotSupportedException();

    public void IncrementalUnassign(IEnumerable<TopicPartition> partitions)
    {
        var removed = partitions.ToList();
        journal.Calls.Add($"consumer.IncrementalUnassign({string.Join(", ", removed)})");
        Assignment.RemoveAll(removed.Contains);
    }

    public void Unassign() => throw new NotSupportedException();

    public void StoreOffset(ConsumeResult<byte[], byte[]> result) => throw new NotSupportedException();

    public void StoreOffset(TopicPartitionOffset offset) => throw new NotSupportedException();

    public List<TopicPartitionOffset> Commit() => throw new NotSupportedException();

    public void Commit(ConsumeResult<byte[], byte[]> result) => throw new NotSupportedException();

    public void Seek(TopicPartitionOffset tpo) => journal.Calls.Add($"consumer.Seek({tpo})");

    public void Pause(IEnumerable<TopicPartition> partitions) => journal.Calls.Add($"consumer.Pause({string.Join(", ", partitions)})");

    public void Resume(IEnumerable<TopicPartition> partitions) => journal.Calls.Add($"consumer.Resume({string.Join(", ", partitions)})");

    public List<TopicPartitionOffset> Committed(TimeSpan timeout) => throw new NotSupportedException();

    public List<TopicPartitionOffset> Committed(IEnumerable<TopicPartition> partitions, TimeSpan timeout) => throw new NotSupportedException();

    public Offset Position(TopicPartition partition) => throw new NotSupportedException();

    public List<TopicPartitionOffset> OffsetsForTimes(IEnumerable<TopicPartitionTimestamp> timestampsToSearch, TimeSpan timeout) => throw new NotSupportedException();

    public WatermarkOffsets GetWatermarkOffsets(TopicPartition topicPartition) => throw new NotSupportedException();

    public WatermarkOffsets QueryWatermarkOffsets(TopicPartition topicPartition, TimeSpan timeout) => throw new NotSupportedException();

    public void Close()
    {
    }

    public void Dispose()
    {
    }

    private sealed class GroupMetadata : IConsumerGroupMetadata;
}

/// <summary>A changelog reader serving changelog partitions from memory, recording which it reads.</summary>
internal sealed class RecordingChangelogReader(ClientJournal journal) : IChangelogReader
{
    /// <summary>
    /// The changelog partitions: the log start offset and the records from it on (a null entry is an offset without a
    /// record, such as a transaction marker).
    /// </summary>
    public Dictionary<TopicPartition, (long Start, List<(byte[] Key, byte[]? Value)?> Records)> Changelogs { get; } = [];

    /// <summary>The partition being read, if any.</summary>
    public TopicPartition? Reading { get; private set; }

    /// <summary>The partition fetched ahead, if any.</summary>
    public TopicPartition? Ahead { get; private set; }

    public long Position { get; private set; }

    public long LastRecordOffset { get; private set; } = -1;

    public WatermarkOffsets QueryWatermarkOffsets(TopicPartition partition, TimeSpan timeout)
    {
        journal.Calls.Add($"reader.QueryWatermarkOffsets({partition})");
        var (start, records) = Changelogs[partition];
        return new WatermarkOffsets(start, start + records.Count);
    }

    public IReadOnlyDictionary<TopicPartition, WatermarkOffsets> QueryWatermarkOffsets(IReadOnlyCollection<TopicPartition> partitions, TimeSpan timeout)
    {
        journal.Calls.Add($"reader.QueryWatermarkOffsets([{string.Join(", ", partitions)}])");
        return partitions.Where(Changelogs.ContainsKey).ToDictionary(partition => partition, partition =>
        {
            var (start, records) = Changelogs[partition];
            return new WatermarkOffsets(start, start + records.Count);
        });
    }

    public void Start(TopicPartition partition, long offset)
    {
        journal.Calls.Add($"reader.Start({partition})");
        (Reading, Position, LastRecordOffset) = (partition, offset, -1);
        Ahead = Ahead == partition ? null : Ahead;
    }

    public void Prefetch(TopicPartition? partition, long offset)
    {
        if (partition != Ahead)
        {
            journal.Calls.Add($"reader.Prefetch({partition})");
            Ahead = partition;
        }
    }

    public void Stop()
    {
        journal.Calls.Add($"reader.Stop({Reading})");
        Reading = null;
    }

    public int Read(List<KeyValuePair<byte[], byte[]?>> batch, int max, long until, TimeSpan wait)
    {
        if (Reading is not { } partition)
        {
            return 0;
        }

        var (start, records) = Changelogs[partition];
        var read = 0;
        while (read < max && Position < until && Position - start < records.Count)
        {
            if (records[(int)(Position - start)] is { } record)
            {
                batch.Add(new KeyValuePair<byte[], byte[]?>(record.Key, record.Value));
                LastRecordOffset = Position;
                read++;
            }

            Position++;
        }

        return read;
    }

    public void Dispose()
    {
    }
}
