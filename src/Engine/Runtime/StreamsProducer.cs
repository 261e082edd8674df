using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Streams.Engine.Tasks;
using static Streams.Engine.Runtime.Librdkafka;

namespace Streams.Engine.Runtime;

/// <summary>
/// A stream thread's producer, driven through librdkafka directly: the records of its sinks, changelogs and dead letters,
/// the flush of an at-least-once commit and the transactions of exactly-once ones. Confluent.Kafka's producer builds
/// managed objects for every delivery report (the native message marshalled, a report and a message, a handle per
/// send), which cost about a sixth of the count scenario's CPU; here a delivery is a native callback that reads the
/// error and, for a changelog record, its offset. Delivery is asynchronous: the first failed delivery is kept and thrown
/// at the next check (before every commit), which stops the thread, so a record is never reported committed when its
/// output was lost.
/// Delivery reports are served on the stream thread (<see cref="ServeDeliveryReports"/> between bursts of records, and
/// inside every flush and commit), not on a thread of their own: librdkafka then frees each record's buffer on the thread
/// that allocated it, and no thread is woken per batch of reports. With a polling thread, those frees from another thread
/// contended for the C heap's lock with the stream thread's allocations (about 7 % of the at-least-once count's CPU).
/// </summary>
internal sealed unsafe class StreamsProducer : IRecordCollector, ICommitProducer, IDisposable
{
    /// <summary>Topic, partition, key, value, flags, timestamp and opaque: the fields every record has.</summary>
    private const int RecordFields = 7;

    private readonly ILogger _logger;
    private readonly string _thread;
    private readonly IReadOnlySet<string> _changelogTopics;
    private readonly GCHandle _self;
    private readonly IntPtr _client;
    private readonly Dictionary<string, Target> _targets = new(StringComparer.Ordinal);
    private IntPtr _groupMember;
    private Exception? _failure;
    private bool _disposed;

    /// <param name="config">The producer's settings, as Confluent.Kafka would take them; its own (<c>dotnet.</c>) keys are ignored.</param>
    /// <param name="changelogTopics">The topics whose acknowledged offsets <see cref="ChangelogOffset"/> reports.</param>
    public StreamsProducer(ProducerConfig config, IReadOnlySet<string> changelogTopics, string thread, ILogger logger)
    {
        EnsureResolved();
        _logger = logger;
        _thread = thread;
        _changelogTopics = changelogTopics;
        _self = GCHandle.Alloc(this);
        try
        {
            _client = NewClient(ProducerType, config, _self, $"the producer of {thread}", &OnLog, &OnError, &OnDelivery);
        }
        catch
        {
            _self.Free();
            throw;
        }
    }

    /// <param name="partition">An explicit partition (changelogs), or null for the partitioner's choice (murmur2 of the key).</param>
    public void Send(string topic, byte[]? key, byte[]? value, Headers? headers, long timestamp, int? partition)
    {
        var target = TargetOf(topic);
        var acknowledged = target.IsChangelog && partition is { } explicitPartition ? target.SlotOf(explicitPartition) : null;
        var headerCount = headers?.Count ?? 0;
        var fields = stackalloc ProduceField[RecordFields + headerCount];
        var copies = headerCount > 0 ? CopyHeaders(headers!, fields + RecordFields) : null;
        try
        {
            // An empty key or value is not a null one (a null value is a tombstone), so it needs an address of its own.
            byte empty = 0;
            fixed (byte* keyData = key)
            fixed (byte* valueData = value)
            {
                fields[0] = ProduceField.Of(FieldType.Topic, (void*)target.Handle);
                fields[1] = ProduceField.Of(FieldType.Partition, partition ?? UnassignedPartition);
                fields[2] = ProduceField.Of(FieldType.Key, key is null ? null : key.Length == 0 ? &empty : keyData, key?.Length ?? 0);
                fields[3] = ProduceField.Of(FieldType.Value, value is null ? null : value.Length == 0 ? &empty : valueData, value?.Length ?? 0);
                fields[4] = ProduceField.Of(FieldType.Flags, CopyPayload);
                fields[5] = ProduceField.Of(FieldType.Timestamp, timestamp);
                fields[6] = ProduceField.Of(FieldType.Opaque, acknowledged);
                Produce(fields, RecordFields + headerCount);
            }
        }
        finally
        {
            NativeMemory.Free(copies);
        }
    }

    /// <summary>The last acknowledged offset written to a changelog partition, if any.</summary>
    public long? ChangelogOffset(string topic, int partition) =>
        _targets.TryGetValue(topic, out var target) && target.Acknowledged(partition) is var offset and >= 0 ? offset : null;

    public void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            throw new StreamsException($"A record could not be produced: {failure.Message}", failure);
        }
    }

    public int Flush(TimeSpan timeout)
    {
        _ = rd_kafka_flush(_client, Milliseconds(timeout));
        return rd_kafka_outq_len(_client);
    }

    /// <summary>
    /// Starts the transactional producer for the input of <paramref name="groupMember"/>, whose group metadata each
    /// transaction's offsets carry (its generation fences a zombie). The consumer's native client is looked up here, not
    /// at the first commit, so a Confluent.Kafka that no longer exposes it stops the thread as it starts.
    /// </summary>
    public void InitTransactions(IClient groupMember, TimeSpan timeout)
    {
        _groupMember = ClientOf(groupMember);
        ThrowIfError(rd_kafka_init_transactions(_client, Milliseconds(timeout)));
    }

    public void BeginTransaction() => ThrowIfError(rd_kafka_begin_transaction(_client));

    public void CommitTransaction(TimeSpan timeout) => ThrowIfError(rd_kafka_commit_transaction(_client, Milliseconds(timeout)));

    public void AbortTransaction(TimeSpan timeout) => ThrowIfError(rd_kafka_abort_transaction(_client, Milliseconds(timeout)));

    public void SendOffsetsToTransaction(IReadOnlyList<TopicPartitionOffset> offsets, TimeSpan timeout)
    {
        if (_groupMember == IntPtr.Zero)
        {
            throw new InvalidOperationException("Offsets join a transaction only once InitTransactions has bound the producer to its consumer.");
        }

        var metadata = rd_kafka_consumer_group_metadata(_groupMember);
        var list = rd_kafka_topic_partition_list_new(offsets.Count);
        try
        {
            foreach (var offset in offsets)
            {
                rd_kafka_topic_partition_list_add(list, offset.Topic, offset.Partition.Value)->Offset = offset.Offset.Value;
            }

            ThrowIfError(rd_kafka_send_offsets_to_transaction(_client, list, metadata, Milliseconds(timeout)));
        }
        finally
        {
            rd_kafka_topic_partition_list_destroy(list);
            rd_kafka_consumer_group_metadata_destroy(metadata);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var target in _targets.Values)
        {
            rd_kafka_topic_destroy(target.Handle);
        }

        rd_kafka_destroy(_client);
        foreach (var target in _targets.Values)
        {
            target.Free();
        }

        _self.Free();
    }

    private Target TargetOf(string topic)
    {
        if (!_targets.TryGetValue(topic, out var target))
        {
            var handle = rd_kafka_topic_new(_client, topic, IntPtr.Zero);
            if (handle == IntPtr.Zero)
            {
                throw new KafkaException(new Error(ErrorCode.Local_Fail, $"The producer of {_thread} could not open topic '{topic}'."));
            }

            _targets[topic] = target = new Target(handle, _changelogTopics.Contains(topic));
        }

        return target;
    }

    private void Produce(ProduceField* fields, int count)
    {
        while (true)
        {
            var error = rd_kafka_produceva(_client, fields, (nuint)count);
            if (error == IntPtr.Zero)
            {
                return;
            }

            if (rd_kafka_error_code(error) != QueueFull)
            {
                ThrowIfError(error);
            }

            // The producer's queue is full until deliveries are reported: serve them, waiting briefly for the next.
            rd_kafka_error_destroy(error);
            rd_kafka_poll(_client, 1);
        }
    }

    /// <summary>
    /// Copies the headers' names (null-terminated, as librdkafka takes them) and values into one native block that the
    /// caller frees once the record is produced; headers are rare (dead letters, trace context), so this is no hot path.
    /// </summary>
    private static byte* CopyHeaders(Headers headers, ProduceField* fields)
    {
        var size = 0;
        foreach (var header in headers)
        {
            size += System.Text.Encoding.UTF8.GetByteCount(header.Key) + 1 + (header.GetValueBytes()?.Length ?? 0);
        }

        var block = (byte*)NativeMemory.Alloc((nuint)Math.Max(size, 1));
        var at = block;
        for (var i = 0; i < headers.Count; i++)
        {
            var name = at;
            at += System.Text.Encoding.UTF8.GetBytes(headers[i].Key, new Span<byte>(at, size - (int)(at - block)));
            *at++ = 0;
            var value = headers[i].GetValueBytes();
            fields[i] = new ProduceField { Type = FieldType.Header, Pointer = name, HeaderValue = value is null ? null : at, HeaderLength = value?.Length ?? 0 };
            if (value is not null)
            {
                value.CopyTo(new Span<byte>(at, value.Length));
                at += value.Length;
            }
        }

        return block;
    }

    /// <summary>
    /// Serves the delivery reports (and error events) that have arrived, without waiting; the stream thread calls it
    /// between bursts of records. A report's buffer stays allocated until it is served.
    /// </summary>
    public void ServeDeliveryReports() => rd_kafka_poll(_client, 0);

    private void Fail(Exception failure) => Interlocked.CompareExchange(ref _failure, failure, null);

    private static int Milliseconds(TimeSpan timeout) => (int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue);

    /// <summary>The fatal error the client raised: its cause and librdkafka's text for it.</summary>
    private static (ErrorCode Code, string Reason) FatalError(IntPtr client)
    {
        var text = stackalloc byte[ErrorTextSize];
        var cause = rd_kafka_fatal_error(client, text, ErrorTextSize);
        return ((ErrorCode)cause, Utf8(text));
    }

    private static StreamsProducer? Of(IntPtr opaque) => opaque == IntPtr.Zero ? null : GCHandle.FromIntPtr(opaque).Target as StreamsProducer;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnDelivery(IntPtr client, MessageEntry* message, IntPtr opaque)
    {
        var error = message->Err;
        if (error == 0)
        {
            if (message->Private != IntPtr.Zero)
            {
                Target.Acknowledge((long*)message->Private, message->Offset);
            }

            return;
        }

        // Aborting a transaction purges its unsent records: they are processed again, nothing is lost.
        if (error is PurgedQueued or PurgedInFlight)
        {
            return;
        }

        try
        {
            var (code, reason) = error == Fatal ? FatalError(client) : ((ErrorCode)error, Utf8(rd_kafka_err2str(error)));
            var where = $"{Utf8(rd_kafka_topic_name(message->Topic))} [{message->Partition}]";
            Of(opaque)?.Fail(new KafkaException(new Error(code, $"{where}: {reason}")));
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            // A report served while the producer is being torn down has no thread left to stop.
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnLog(IntPtr client, int level, byte* facility, byte* text)
    {
        try
        {
            if (Of(rd_kafka_opaque(client)) is { } producer)
            {
                Log(producer._logger, client, level, facility, text);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            // A line logged while the producer is being torn down has nowhere to go.
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnError(IntPtr client, int error, byte* reason, IntPtr opaque)
    {
        try
        {
            if (Of(opaque) is not { } producer)
            {
                return;
            }

            if (error == Fatal)
            {
                // Idempotence or the transaction cannot go on: every later send and commit fails, so the thread stops.
                var (code, cause) = FatalError(client);
                producer.Fail(new KafkaException(new Error(code, cause, isFatal: true)));
            }

            producer._logger.LogWarning("Producer of {Thread}: {Error}", producer._thread, Utf8(reason));
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            // As above.
        }
    }

    /// <summary>
    /// A topic the thread writes: librdkafka's handle for it and, for a changelog, one native slot per partition holding
    /// the highest acknowledged offset. A slot's address travels with each record as its opaque, so the delivery callback
    /// finds it without a lookup, and it never moves while records are in flight.
    /// </summary>
    private sealed class Target(IntPtr handle, bool isChangelog)
    {
        private IntPtr[] _slots = [];

        public IntPtr Handle { get; } = handle;

        public bool IsChangelog { get; } = isChangelog;

        public long* SlotOf(int partition)
        {
            if (partition >= _slots.Length)
            {
                Array.Resize(ref _slots, Math.Max(partition + 1, _slots.Length * 2));
            }

            var slot = (long*)_slots[partition];
            if (slot is null)
            {
                slot = (long*)NativeMemory.Alloc(sizeof(long));
                *slot = -1;
                _slots[partition] = (IntPtr)slot;
            }

            return slot;
        }

        public long Acknowledged(int partition) =>
            partition < _slots.Length && (long*)_slots[partition] is var slot && slot is not null ? Volatile.Read(ref *slot) : -1;

        /// <summary>Raises a slot to an acknowledged offset (reports are served on the stream thread, the slot's only writer).</summary>
        public static void Acknowledge(long* slot, long offset)
        {
            if (offset > *slot)
            {
                Volatile.Write(ref *slot, offset);
            }
        }

        public void Free()
        {
            foreach (var slot in _slots)
            {
                NativeMemory.Free((void*)slot);
            }
        }
    }
}
