using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using static Streams.Engine.Runtime.Librdkafka;

namespace Streams.Engine.Runtime;

/// <summary>
/// Reads changelog partitions for restoration through librdkafka directly: an assign-only consumer whose records are
/// taken a thousand at a time from a queue per partition. Confluent.Kafka's <c>Consume</c> costs a call, a result
/// object, the record's topic, timestamp and headers per record, which made it the restoring thread's largest cost
/// after the store's own writes; here a record costs the copies of its key and value. The partition to read next is
/// fetched into a queue of its own while the current one is read, so a switch does not wait for a first fetch.
/// </summary>
internal sealed unsafe class KafkaChangelogReader : IChangelogReader
{
    private const int MessagesPerCall = 1024;

    /// <summary>The ListOffsets timestamp that asks for a partition's first offset.</summary>
    private const long BeginningOffset = -2;

    /// <summary>The ListOffsets timestamp that asks for a partition's end offset.</summary>
    private const long EndOffset = -1;

    private readonly ILogger _logger;
    private readonly GCHandle _self;
    private readonly IntPtr _client;
    private readonly MessageEntry** _messages;
    private Fetch? _current;
    private Fetch? _ahead;
    private bool _disposed;

    /// <param name="config">The consumer's settings, as Confluent.Kafka would take them; its own (<c>dotnet.</c>) keys are ignored.</param>
    public KafkaChangelogReader(ConsumerConfig config, ILogger logger)
    {
        EnsureResolved();
        _logger = logger;
        _self = GCHandle.Alloc(this);
        try
        {
            _client = NewClient(ConsumerType, config, _self, "the changelog reader", &OnLog, &OnError);
        }
        catch
        {
            _self.Free();
            throw;
        }

        _messages = (MessageEntry**)NativeMemory.Alloc(MessagesPerCall, (nuint)sizeof(MessageEntry*));
    }

    public long Position { get; private set; }

    public long LastRecordOffset { get; private set; } = -1;

    public WatermarkOffsets QueryWatermarkOffsets(TopicPartition partition, TimeSpan timeout)
    {
        long low, high;
        Check(rd_kafka_query_watermark_offsets(_client, partition.Topic, partition.Partition.Value, &low, &high, (int)timeout.TotalMilliseconds));
        return new WatermarkOffsets(low, high);
    }

    public IReadOnlyDictionary<TopicPartition, WatermarkOffsets> QueryWatermarkOffsets(IReadOnlyCollection<TopicPartition> partitions, TimeSpan timeout)
    {
        var watermarks = new Dictionary<TopicPartition, WatermarkOffsets>(partitions.Count);
        if (partitions.Count == 0)
        {
            return watermarks;
        }

        var started = Stopwatch.GetTimestamp();
        var low = ListOffsets(partitions, BeginningOffset, timeout);
        var high = ListOffsets(partitions, EndOffset, timeout - Stopwatch.GetElapsedTime(started));
        foreach (var (partition, end) in high)
        {
            if (low.TryGetValue(partition, out var start))
            {
                watermarks[partition] = new WatermarkOffsets(start, end);
            }
        }

        return watermarks;
    }

    public void Start(TopicPartition partition, long offset)
    {
        Stop();
        if (_ahead is { } ahead && ahead.Partition == partition && ahead.Offset == offset)
        {
            (_current, _ahead) = (ahead, null);
        }
        else
        {
            if (_ahead?.Partition == partition)
            {
                Prefetch(null, 0);
            }

            _current = Assign(partition, offset);
        }

        (Position, LastRecordOffset) = (offset, -1);
    }

    public void Prefetch(TopicPartition? partition, long offset)
    {
        if (_ahead is { } ahead && (ahead.Partition != partition || ahead.Offset != offset))
        {
            Unassign(ahead);
            _ahead = null;
        }

        if (partition is not null && _ahead is null && _current?.Partition != partition)
        {
            _ahead = Assign(partition, offset);
        }
    }

    public void Stop()
    {
        if (_current is { } current)
        {
            _current = null;
            Unassign(current);
        }
    }

    public int Read(List<KeyValuePair<byte[], byte[]?>> batch, int max, long until, TimeSpan wait)
    {
        // Serves the client's error callbacks; its records are all in the partitions' own queues.
        rd_kafka_poll(_client, 0);
        var read = 0;
        while (_current is { } current && read < max && Position < until)
        {
            var count = (int)rd_kafka_consume_batch_queue(current.Queue, 0, _messages, (nuint)Math.Min(max - read, MessagesPerCall));
            if (count == 0)
            {
                // Nothing buffered: the position may have passed transaction markers, which librdkafka consumes without
                // returning them; else wait for the next record once, only if none was read yet.
                Position = Math.Max(Position, ConsumedUpTo(current.Partition));
                if (read > 0 || wait <= TimeSpan.Zero || Position >= until)
                {
                    break;
                }

                var first = rd_kafka_consume_queue(current.Queue, (int)Math.Ceiling(wait.TotalMilliseconds));
                wait = TimeSpan.Zero;
                if (first is null)
                {
                    break;
                }

                _messages[0] = first;
                count = 1;
            }

            read += Take(count, batch, until);
        }

        return read;
    }

    /// <summary>
    /// Adds <paramref name="partition"/> to the assignment with a queue of its own: its records stay there, not in the
    /// consumer's queue, until it is read.
    /// </summary>
    private Fetch Assign(TopicPartition partition, long offset)
    {
        var queue = rd_kafka_queue_get_partition(_client, partition.Topic, partition.Partition.Value);
        rd_kafka_queue_forward(queue, IntPtr.Zero);
        try
        {
            Change(partition, offset, assign: true);
        }
        catch
        {
            rd_kafka_queue_destroy(queue);
            throw;
        }

        return new Fetch(partition, offset, queue);
    }

    /// <summary>The offset after the last record or marker of <paramref name="partition"/> taken from its queue (-1 if none).</summary>
    private long ConsumedUpTo(TopicPartition partition)
    {
        using var list = new OnePartitionList(partition);
        Check(rd_kafka_position(_client, list.Handle));
        return list.Entry->Offset;
    }

    private void Unassign(Fetch fetch)
    {
        rd_kafka_queue_destroy(fetch.Queue);
        Change(fetch.Partition, fetch.Offset, assign: false);
    }

    private void Change(TopicPartition partition, long offset, bool assign)
    {
        using var list = new OnePartitionList(partition);
        list.Entry->Offset = offset;
        var error = assign ? rd_kafka_incremental_assign(_client, list.Handle) : rd_kafka_incremental_unassign(_client, list.Handle);
        ThrowIfError(error, $"Could not {(assign ? "assign" : "unassign")} {partition}");
    }

    /// <summary>Applies and releases the first <paramref name="count"/> messages taken from the queue.</summary>
    private int Take(int count, List<KeyValuePair<byte[], byte[]?>> batch, long until)
    {
        var taken = 0;
        int? failure = null;
        string? reason = null;
        for (var i = 0; i < count; i++)
        {
            var message = _messages[i];
            if (failure is null)
            {
                if (message->Err == 0)
                {
                    if (message->Offset < until)
                    {
                        batch.Add(new KeyValuePair<byte[], byte[]?>(Copy(message->Key, message->KeyLength) ?? [], Copy(message->Payload, message->Length)));
                        LastRecordOffset = message->Offset;
                        Position = Math.Max(Position, message->Offset + 1);
                        taken++;
                    }
                    else
                    {
                        Position = Math.Max(Position, until);
                    }
                }
                else if (message->Err == PartitionEof)
                {
                    Position = Math.Max(Position, message->Offset);
                }
                else
                {
                    (failure, reason) = (message->Err, message->Payload is null ? Utf8(rd_kafka_err2str(message->Err)) : Encoding.UTF8.GetString(message->Payload, (int)message->Length));
                }
            }

            rd_kafka_message_destroy(message);
        }

        if (failure is { } code)
        {
            throw new KafkaException(new Error((ErrorCode)code, $"Reading {_current?.Partition} for restoration failed: {reason}"));
        }

        return taken;
    }

    /// <summary>
    /// Lists <paramref name="spec"/> (the beginning or the end offset) of every partition in one ListOffsets request per
    /// leader; a partition whose leader fails to answer is left out.
    /// </summary>
    private Dictionary<TopicPartition, long> ListOffsets(IReadOnlyCollection<TopicPartition> partitions, long spec, TimeSpan timeout)
    {
        var offsets = new Dictionary<TopicPartition, long>(partitions.Count);
        if (timeout <= TimeSpan.Zero)
        {
            return offsets;
        }

        var list = rd_kafka_topic_partition_list_new(partitions.Count);
        try
        {
            foreach (var partition in partitions)
            {
                rd_kafka_topic_partition_list_add(list, partition.Topic, partition.Partition.Value)->Offset = spec;
            }

            var error = rd_kafka_offsets_for_times(_client, list, (int)timeout.TotalMilliseconds);
            if (error != 0)
            {
                _logger.LogDebug("Listing offsets of {Count} changelog partitions failed: {Error}", partitions.Count, Utf8(rd_kafka_err2str(error)));
                return offsets;
            }

            var entries = (PartitionList*)list;
            for (var i = 0; i < entries->Count; i++)
            {
                var entry = entries->Entries[i];
                if (entry.Err == 0 && entry.Offset >= 0)
                {
                    offsets[new TopicPartition(Utf8((byte*)entry.Topic), entry.Partition)] = entry.Offset;
                }
            }

            return offsets;
        }
        finally
        {
            rd_kafka_topic_partition_list_destroy(list);
        }
    }

    private static byte[]? Copy(byte* data, nuint length) => data is null ? null : new ReadOnlySpan<byte>(data, checked((int)length)).ToArray();

    private static void Check(int error)
    {
        if (error != 0)
        {
            throw new KafkaException(new Error((ErrorCode)error, Utf8(rd_kafka_err2str(error))));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnLog(IntPtr client, int level, byte* facility, byte* text)
    {
        try
        {
            if (GCHandle.FromIntPtr(rd_kafka_opaque(client)).Target is KafkaChangelogReader reader)
            {
                Log(reader._logger, client, level, facility, text);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            // A line logged while the reader is being torn down has nowhere to go.
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnError(IntPtr client, int error, byte* reason, IntPtr opaque)
    {
        try
        {
            if (GCHandle.FromIntPtr(opaque).Target is KafkaChangelogReader reader)
            {
                reader._logger.LogWarning("Changelog reader {Client}: {Error}", Utf8(rd_kafka_name(client)), Utf8(reason));
            }
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            // As above.
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var fetch in new[] { _current, _ahead })
        {
            if (fetch is not null)
            {
                rd_kafka_queue_destroy(fetch.Queue);
            }
        }

        rd_kafka_destroy(_client);
        NativeMemory.Free(_messages);
        _self.Free();
    }

    /// <summary>A librdkafka partition list holding one partition, freed when disposed.</summary>
    private readonly ref struct OnePartitionList
    {
        public OnePartitionList(TopicPartition partition)
        {
            Handle = rd_kafka_topic_partition_list_new(1);
            Entry = rd_kafka_topic_partition_list_add(Handle, partition.Topic, partition.Partition.Value);
        }

        public IntPtr Handle { get; }

        public PartitionEntry* Entry { get; }

        public void Dispose() => rd_kafka_topic_partition_list_destroy(Handle);
    }

    /// <summary>A partition in the assignment, the offset it was assigned at, and its queue.</summary>
    private sealed record Fetch(TopicPartition Partition, long Offset, IntPtr Queue);
}
