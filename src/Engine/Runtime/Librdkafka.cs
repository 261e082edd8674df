using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Streams.Engine.Runtime;

/// <summary>
/// The few librdkafka functions the runtime calls itself, where Confluent.Kafka's per-record API costs too much: the
/// changelog reader takes records in batches and copies only their keys and values. The calls bind to the very library
/// Confluent.Kafka loaded, so both share one librdkafka in the process.
/// </summary>
internal static unsafe partial class Librdkafka
{
    private const string Library = "librdkafka";

    /// <summary><c>RD_KAFKA_CONSUMER</c>, the client type <see cref="rd_kafka_new"/> creates.</summary>
    public const int ConsumerType = 1;

    /// <summary><c>RD_KAFKA_RESP_ERR__PARTITION_EOF</c>: the consumer reached the end of a partition.</summary>
    public const int PartitionEof = -191;

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
    public static partial IntPtr rd_kafka_new(int type, IntPtr conf, byte* errorText, nuint errorTextSize);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_opaque(IntPtr client);

    [LibraryImport(Library)]
    public static partial byte* rd_kafka_name(IntPtr client);

    [LibraryImport(Library)]
    public static partial int rd_kafka_poll(IntPtr client, int timeoutMs);

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
