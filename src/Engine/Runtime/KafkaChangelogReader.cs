using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using static Streams.Engine.Runtime.Librdkafka;

namespace Streams.Engine.Runtime;

/// <summary>
/// Reads changelog partitions for restoration through librdkafka directly: an assign-only consumer whose records are
/// taken a thousand at a time from its queue. Confluent.Kafka's <c>Consume</c> costs a call, a result object, the
/// record's topic, timestamp and headers per record, which made it the restoring thread's largest cost after the
/// store's own writes; here a record costs the copies of its key and value.
/// </summary>
internal sealed unsafe class KafkaChangelogReader : IChangelogReader
{
    private const int MessagesPerCall = 1024;

    private readonly ILogger _logger;
    private readonly GCHandle _self;
    private readonly IntPtr _client;
    private readonly IntPtr _queue;
    private readonly MessageEntry** _messages;
    private string? _topic;
    private byte[] _topicName = [];
    private int _partition;
    private IntPtr _matchedTopic;
    private bool _disposed;

    /// <param name="config">The consumer's settings, as Confluent.Kafka would take them; its own (<c>dotnet.</c>) keys are ignored.</param>
    public KafkaChangelogReader(ConsumerConfig config, ILogger logger)
    {
        EnsureResolved();
        _logger = logger;
        _self = GCHandle.Alloc(this);
        var conf = rd_kafka_conf_new();
        var error = stackalloc byte[512];
        foreach (var (key, value) in config)
        {
            if (key.StartsWith("dotnet.", StringComparison.Ordinal) || value is null)
            {
                continue;
            }

            if (rd_kafka_conf_set(conf, key, value, error, 512) != 0)
            {
                rd_kafka_conf_destroy(conf);
                _self.Free();
                throw new ArgumentException($"The changelog reader's client setting '{key}' was refused: {Utf8(error)}");
            }
        }

        rd_kafka_conf_set_opaque(conf, GCHandle.ToIntPtr(_self));
        rd_kafka_conf_set_log_cb(conf, &OnLog);
        rd_kafka_conf_set_error_cb(conf, &OnError);
        _client = rd_kafka_new(1, conf, error, 512);
        if (_client == IntPtr.Zero)
        {
            rd_kafka_conf_destroy(conf);
            _self.Free();
            throw new KafkaException(new Error(ErrorCode.Local_Fail, $"Could not create the changelog reader: {Utf8(error)}"));
        }

        rd_kafka_poll_set_consumer(_client);
        _queue = rd_kafka_queue_get_consumer(_client);
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

    public void Start(TopicPartition partition, long offset)
    {
        var list = rd_kafka_topic_partition_list_new(1);
        try
        {
            rd_kafka_topic_partition_list_add(list, partition.Topic, partition.Partition.Value)->Offset = offset;
            Check(rd_kafka_assign(_client, list));
        }
        finally
        {
            rd_kafka_topic_partition_list_destroy(list);
        }

        (_topic, _partition, _matchedTopic) = (partition.Topic, partition.Partition.Value, IntPtr.Zero);
        _topicName = Encoding.UTF8.GetBytes(partition.Topic);
        (Position, LastRecordOffset) = (offset, -1);
    }

    public void Stop()
    {
        Check(rd_kafka_assign(_client, IntPtr.Zero));
        _topic = null;
    }

    public int Read(List<KeyValuePair<byte[], byte[]?>> batch, int max, long until, TimeSpan wait)
    {
        var read = 0;
        while (_topic is not null && read < max && Position < until)
        {
            var count = (int)rd_kafka_consume_batch_queue(_queue, 0, _messages, (nuint)Math.Min(max - read, MessagesPerCall));
            if (count == 0)
            {
                // Nothing buffered: wait for the next record once, only if none was read yet.
                if (read > 0 || wait <= TimeSpan.Zero)
                {
                    break;
                }

                var first = rd_kafka_consumer_poll(_client, (int)Math.Ceiling(wait.TotalMilliseconds));
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

    /// <summary>Applies and releases the first <paramref name="count"/> messages taken from the queue.</summary>
    private int Take(int count, List<KeyValuePair<byte[], byte[]?>> batch, long until)
    {
        var taken = 0;
        int? failure = null;
        string? reason = null;
        for (var i = 0; i < count; i++)
        {
            var message = _messages[i];
            if (failure is null && IsCurrent(message))
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
            throw new KafkaException(new Error((ErrorCode)code, $"Reading {_topic} [{_partition}] for restoration failed: {reason}"));
        }

        return taken;
    }

    /// <summary>Whether a message is of the partition being read (one of a partition read before may still be queued).</summary>
    private bool IsCurrent(MessageEntry* message)
    {
        if (message->Topic == IntPtr.Zero)
        {
            return message->Err != 0;
        }

        if (message->Partition != _partition)
        {
            return false;
        }

        if (message->Topic != _matchedTopic)
        {
            if (!MemoryMarshal.CreateReadOnlySpanFromNullTerminated(rd_kafka_topic_name(message->Topic)).SequenceEqual(_topicName))
            {
                return false;
            }

            _matchedTopic = message->Topic;
        }

        return true;
    }

    private static byte[]? Copy(byte* data, nuint length) => data is null ? null : new ReadOnlySpan<byte>(data, checked((int)length)).ToArray();

    private static string Utf8(byte* text) => text is null ? "" : Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(text));

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
                KafkaClientLog.Write(reader._logger, new LogMessage(Utf8(rd_kafka_name(client)), (SyslogLevel)level, Utf8(facility), Utf8(text)));
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
        rd_kafka_queue_destroy(_queue);
        rd_kafka_destroy(_client);
        NativeMemory.Free(_messages);
        _self.Free();
    }
}
