using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Streams.Engine.Runtime;

/// <summary>
/// The few librdkafka functions the runtime calls itself, where Confluent.Kafka's per-record API costs too much: the
/// changelog reader takes records in batches and copies only their keys and values. The calls bind to the very library
/// Confluent.Kafka loaded, so both share one librdkafka in the process.
/// </summary>
internal static unsafe partial class Librdkafka
{
    private const string Library = "librdkafka";

    /// <summary>The size of the buffers librdkafka writes an error text into.</summary>
    public const int ErrorTextSize = 512;

    /// <summary><c>RD_KAFKA_PRODUCER</c>, a client type <see cref="rd_kafka_new"/> creates.</summary>
    public const int ProducerType = 0;

    /// <summary><c>RD_KAFKA_CONSUMER</c>, a client type <see cref="rd_kafka_new"/> creates.</summary>
    public const int ConsumerType = 1;

    /// <summary><c>RD_KAFKA_RESP_ERR__PARTITION_EOF</c>: the consumer reached the end of a partition.</summary>
    public const int PartitionEof = -191;

    /// <summary><c>RD_KAFKA_RESP_ERR__FATAL</c>: the client raised a fatal error, which <see cref="rd_kafka_fatal_error"/> tells.</summary>
    public const int Fatal = -150;

    /// <summary><c>RD_KAFKA_RESP_ERR__QUEUE_FULL</c>: the producer's queue holds <c>queue.buffering.max.messages</c> already.</summary>
    public const int QueueFull = -184;

    /// <summary><c>RD_KAFKA_RESP_ERR__PURGE_QUEUE</c> and <c>__PURGE_INFLIGHT</c>: an aborted transaction purged the record.</summary>
    public const int PurgedQueued = -152, PurgedInFlight = -151;

    /// <summary><c>RD_KAFKA_PARTITION_UA</c>: the partitioner chooses the partition.</summary>
    public const int UnassignedPartition = -1;

    /// <summary><c>RD_KAFKA_MSG_F_COPY</c>: librdkafka copies key, value and headers before the produce call returns.</summary>
    public const int CopyPayload = 2;

    private static readonly PropertyInfo? NativeClientProperty =
        typeof(Confluent.Kafka.Handle).GetProperty("LibrdkafkaHandle", BindingFlags.Instance | BindingFlags.NonPublic);

    static Librdkafka() => NativeLibrary.SetDllImportResolver(typeof(Librdkafka).Assembly, Resolve);

    /// <summary>Makes sure the resolver is in place before the first call into the library.</summary>
    public static void EnsureResolved() => RuntimeHelpers.RunClassConstructor(typeof(Librdkafka).TypeHandle);

    /// <summary><c>rd_kafka_message_t</c>, whose layout is part of librdkafka's stable ABI.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MessageEntry
    {
        public int Err;
        public IntPtr Topic;
        public int Partition;
        public byte* Payload;
        public nuint Length;
        public byte* Key;
        public nuint KeyLength;
        public long Offset;
        public IntPtr Private;
    }

    /// <summary>The <c>RD_KAFKA_VTYPE_*</c> tags of <see cref="ProduceField"/>.</summary>
    public enum FieldType
    {
        Topic = 2,
        Partition = 3,
        Value = 4,
        Key = 5,
        Opaque = 6,
        Flags = 7,
        Timestamp = 8,
        Header = 9,
    }

    /// <summary>
    /// <c>rd_kafka_vu_t</c>, one field of a record for <see cref="rd_kafka_produceva"/>: a tag, then a 64-byte union at
    /// offset 8 that holds a number, a pointer, a pointer and a length, or a header's name, value and length.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 72)]
    public struct ProduceField
    {
        [FieldOffset(0)]
        public FieldType Type;

        /// <summary>The partition or the flags (read as <c>int32</c>) or the timestamp (as <c>int64</c>).</summary>
        [FieldOffset(8)]
        public long Number;

        /// <summary>The topic handle, the opaque, a key's or value's data, or a header's name.</summary>
        [FieldOffset(8)]
        public void* Pointer;

        /// <summary>A key's or value's length, or a header's value.</summary>
        [FieldOffset(16)]
        public long Length;

        [FieldOffset(16)]
        public void* HeaderValue;

        [FieldOffset(24)]
        public nint HeaderLength;

        public static ProduceField Of(FieldType type, long number) => new() { Type = type, Number = number };

        public static ProduceField Of(FieldType type, void* pointer, long length = 0) => new() { Type = type, Pointer = pointer, Length = length };
    }

    /// <summary><c>rd_kafka_topic_partition_t</c> (an entry of a partition list), part of the stable ABI as well.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PartitionEntry
    {
        public IntPtr Topic;
        public int Partition;
        public long Offset;
        public IntPtr Metadata;
        public nuint MetadataSize;
        public IntPtr Opaque;
        public int Err;
        public IntPtr Private;
    }

    /// <summary><c>rd_kafka_topic_partition_list_t</c>: its count, its capacity and its entries.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PartitionList
    {
        public int Count;
        public int Size;
        public PartitionEntry* Entries;
    }

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_conf_new();

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, byte* errorText, nuint errorTextSize);

    [LibraryImport(Library)]
    public static partial void rd_kafka_conf_destroy(IntPtr conf);

    [LibraryImport(Library)]
    public static partial void rd_kafka_conf_set_opaque(IntPtr conf, IntPtr opaque);

    [LibraryImport(Library)]
    public static partial void rd_kafka_conf_set_log_cb(IntPtr conf, delegate* unmanaged[Cdecl]<IntPtr, int, byte*, byte*, void> callback);

    [LibraryImport(Library)]
    public static partial void rd_kafka_conf_set_error_cb(IntPtr conf, delegate* unmanaged[Cdecl]<IntPtr, int, byte*, IntPtr, void> callback);

    [LibraryImport(Library)]
    public static partial void rd_kafka_conf_set_dr_msg_cb(IntPtr conf, delegate* unmanaged[Cdecl]<IntPtr, MessageEntry*, IntPtr, void> callback);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_new(int type, IntPtr conf, byte* errorText, nuint errorTextSize);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_opaque(IntPtr client);

    [LibraryImport(Library)]
    public static partial byte* rd_kafka_name(IntPtr client);

    [LibraryImport(Library)]
    public static partial int rd_kafka_poll(IntPtr client, int timeoutMs);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr rd_kafka_topic_new(IntPtr client, string topic, IntPtr topicConf);

    [LibraryImport(Library)]
    public static partial byte* rd_kafka_topic_name(IntPtr topic);

    [LibraryImport(Library)]
    public static partial void rd_kafka_topic_destroy(IntPtr topic);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_produceva(IntPtr client, ProduceField* fields, nuint count);

    [LibraryImport(Library)]
    public static partial int rd_kafka_flush(IntPtr client, int timeoutMs);

    [LibraryImport(Library)]
    public static partial int rd_kafka_outq_len(IntPtr client);

    [LibraryImport(Library)]
    public static partial int rd_kafka_fatal_error(IntPtr client, byte* errorText, nuint errorTextSize);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_init_transactions(IntPtr client, int timeoutMs);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_begin_transaction(IntPtr client);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_send_offsets_to_transaction(IntPtr client, IntPtr offsets, IntPtr groupMetadata, int timeoutMs);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_commit_transaction(IntPtr client, int timeoutMs);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_abort_transaction(IntPtr client, int timeoutMs);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_consumer_group_metadata(IntPtr consumer);

    [LibraryImport(Library)]
    public static partial void rd_kafka_consumer_group_metadata_destroy(IntPtr groupMetadata);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr rd_kafka_queue_get_partition(IntPtr client, string topic, int partition);

    [LibraryImport(Library)]
    public static partial void rd_kafka_queue_forward(IntPtr source, IntPtr destination);

    [LibraryImport(Library)]
    public static partial void rd_kafka_queue_destroy(IntPtr queue);

    [LibraryImport(Library)]
    public static partial void rd_kafka_destroy(IntPtr client);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_topic_partition_list_new(int size);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial PartitionEntry* rd_kafka_topic_partition_list_add(IntPtr list, string topic, int partition);

    [LibraryImport(Library)]
    public static partial void rd_kafka_topic_partition_list_destroy(IntPtr list);

    [LibraryImport(Library)]
    public static partial int rd_kafka_position(IntPtr client, IntPtr partitions);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_incremental_assign(IntPtr client, IntPtr partitions);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_incremental_unassign(IntPtr client, IntPtr partitions);

    [LibraryImport(Library)]
    public static partial byte* rd_kafka_error_string(IntPtr error);

    [LibraryImport(Library)]
    public static partial int rd_kafka_error_code(IntPtr error);

    [LibraryImport(Library)]
    public static partial void rd_kafka_error_destroy(IntPtr error);

    [LibraryImport(Library)]
    public static partial int rd_kafka_error_is_fatal(IntPtr error);

    [LibraryImport(Library)]
    public static partial int rd_kafka_error_is_retriable(IntPtr error);

    [LibraryImport(Library)]
    public static partial int rd_kafka_error_txn_requires_abort(IntPtr error);

    [LibraryImport(Library)]
    public static partial nint rd_kafka_consume_batch_queue(IntPtr queue, int timeoutMs, MessageEntry** messages, nuint size);

    [LibraryImport(Library)]
    public static partial MessageEntry* rd_kafka_consume_queue(IntPtr queue, int timeoutMs);

    [LibraryImport(Library)]
    public static partial void rd_kafka_message_destroy(MessageEntry* message);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_query_watermark_offsets(IntPtr client, string topic, int partition, long* low, long* high, int timeoutMs);

    [LibraryImport(Library)]
    public static partial int rd_kafka_offsets_for_times(IntPtr client, IntPtr partitions, int timeoutMs);

    [LibraryImport(Library)]
    public static partial byte* rd_kafka_err2str(int error);

    /// <summary>Text that librdkafka returned or filled in, or an empty string for none.</summary>
    public static string Utf8(byte* text) => text is null ? "" : Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(text));

    /// <summary>
    /// The native client behind a Confluent.Kafka client. Confluent.Kafka keeps it internal, and hands a consumer's group
    /// metadata (its generation and member id, with which the broker fences a zombie's transactional offsets) only to
    /// its own producer as an opaque object; the runtime's producer reads it from the consumer's client instead. The
    /// property is looked up by name in the pinned Confluent.Kafka version; every exactly-once test goes through it.
    /// </summary>
    public static IntPtr ClientOf(IClient client) =>
        NativeClientProperty?.GetValue(client.Handle) is SafeHandle { IsInvalid: false } handle
            ? handle.DangerousGetHandle()
            : throw new InvalidOperationException(
                $"This Confluent.Kafka ({Confluent.Kafka.Library.VersionString}) does not expose its native client where the runtime expects it: "
                + "exactly-once commits need the consumer's group metadata.");

    /// <summary>
    /// A client of <paramref name="type"/> from settings as Confluent.Kafka takes them (its own <c>dotnet.</c> keys are not
    /// librdkafka's and are skipped), with <paramref name="owner"/> as its opaque and the given callbacks. A refused
    /// setting is named; on failure the configuration is freed here, which librdkafka leaves to its caller.
    /// </summary>
    /// <param name="role">What the client is, for messages: "the changelog reader".</param>
    public static IntPtr NewClient(
        int type,
        IEnumerable<KeyValuePair<string, string>> settings,
        GCHandle owner,
        string role,
        delegate* unmanaged[Cdecl]<IntPtr, int, byte*, byte*, void> onLog,
        delegate* unmanaged[Cdecl]<IntPtr, int, byte*, IntPtr, void> onError,
        delegate* unmanaged[Cdecl]<IntPtr, MessageEntry*, IntPtr, void> onDelivery = null)
    {
        var conf = rd_kafka_conf_new();
        var error = stackalloc byte[ErrorTextSize];
        foreach (var (key, value) in settings)
        {
            if (key.StartsWith("dotnet.", StringComparison.Ordinal) || value is null)
            {
                continue;
            }

            if (rd_kafka_conf_set(conf, key, value, error, ErrorTextSize) != 0)
            {
                rd_kafka_conf_destroy(conf);
                throw new ArgumentException($"The client setting '{key}' of {role} was refused: {Utf8(error)}");
            }
        }

        rd_kafka_conf_set_opaque(conf, GCHandle.ToIntPtr(owner));
        rd_kafka_conf_set_log_cb(conf, onLog);
        rd_kafka_conf_set_error_cb(conf, onError);
        if (onDelivery is not null)
        {
            rd_kafka_conf_set_dr_msg_cb(conf, onDelivery);
        }

        var client = rd_kafka_new(type, conf, error, ErrorTextSize);
        if (client == IntPtr.Zero)
        {
            rd_kafka_conf_destroy(conf);
            throw new KafkaException(new Error(ErrorCode.Local_Fail, $"Could not create {role}: {Utf8(error)}"));
        }

        return client;
    }

    /// <summary>
    /// Throws a call's <c>rd_kafka_error_t</c>, if it returned one, and frees it: as Confluent.Kafka would, so callers tell
    /// errors apart alike (one that requires aborting the transaction, a retriable one, a fatal one).
    /// </summary>
    /// <param name="context">What failed, put before librdkafka's own reason; null for the reason alone.</param>
    public static void ThrowIfError(IntPtr error, string? context = null)
    {
        if (error == IntPtr.Zero)
        {
            return;
        }

        var code = (ErrorCode)rd_kafka_error_code(error);
        var reason = Utf8(rd_kafka_error_string(error));
        var fatal = rd_kafka_error_is_fatal(error) != 0;
        var retriable = rd_kafka_error_is_retriable(error) != 0;
        var requiresAbort = rd_kafka_error_txn_requires_abort(error) != 0;
        rd_kafka_error_destroy(error);
        var details = new Error(code, context is null ? reason : $"{context}: {reason}", fatal);
        throw requiresAbort ? new KafkaTxnRequiresAbortException(details)
            : retriable ? new KafkaRetriableException(details)
            : new KafkaException(details);
    }

    /// <summary>Writes a line a client's log callback received into <paramref name="logger"/>.</summary>
    public static void Log(ILogger logger, IntPtr client, int level, byte* facility, byte* text) =>
        KafkaClientLog.Write(logger, new LogMessage(Utf8(rd_kafka_name(client)), (SyslogLevel)level, Utf8(facility), Utf8(text)));

    /// <summary>
    /// The library Confluent.Kafka loaded: which file that is depends on the platform (its redistributable ships
    /// variants, tried in turn), so on Linux it is found among the process's mappings rather than guessed again.
    /// </summary>
    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Library)
        {
            return IntPtr.Zero;
        }

        _ = Confluent.Kafka.Library.Version;
        if (OperatingSystem.IsLinux())
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                var path = line.IndexOf('/', StringComparison.Ordinal) is var at and >= 0 ? line[at..] : null;
                if (path is not null && path.EndsWith("librdkafka.so", StringComparison.Ordinal) && NativeLibrary.TryLoad(path, out var loaded))
                {
                    return loaded;
                }
            }
        }

        return NativeLibrary.TryLoad(name, assembly, searchPath, out var handle) ? handle : IntPtr.Zero;
    }
}
