using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.Stream;
using Streamiz.Kafka.Net.Table;

namespace Personalization.Bench.Scenarios;

/// <summary>
/// The peer: Streamiz.Kafka.Net 1.8.2 on the count scenario's workload (the same input, a one-minute tumbling count per
/// key on a RocksDB window store, one stream thread), configured as its documentation shows, under at-least-once and
/// exactly-once. Its output is checked like the engine's (<see cref="CountOutput"/>). Streamiz reports no consumed
/// count the bench can poll, so its run ends when the output shows one update per input record; the reader that
/// watches costs CPU in this process, measured again alone afterwards and taken off Streamiz's figure.
/// </summary>
internal static class StreamizPeer
{
    public static (SteadyState Window, long Updates) Count(
        IBenchCluster cluster, string applicationId, string input, string output, int events, bool exactlyOnce, string stateDir, TimeSpan timeout)
    {
        // Its internal topics are created the way it names them: the mock cluster has no CreateTopics.
        cluster.CreateTopic($"{applicationId}-counts-changelog", 32);
        var config = new StreamConfig<StringSerDes, ByteArraySerDes>
        {
            ApplicationId = applicationId,
            BootstrapServers = cluster.BootstrapServers,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            StateDir = stateDir,
            NumStreamThreads = 1,
            Guarantee = exactlyOnce ? ProcessingGuarantee.EXACTLY_ONCE : ProcessingGuarantee.AT_LEAST_ONCE,
            // Its producer fails the stream thread when librdkafka's queue is full (its exception handler can only fail
            // or drop the record): on a real broker, which acknowledges more slowly on these shared cores than the
            // mock, the default 100,000 messages filled and the at-least-once run died. A queue longer than a run's
            // output lets it finish; the engine waits for room instead.
            QueueBufferingMaxMessages = 1_000_000,
            // No log output, as the engine runs here: both are measured doing the work, not writing to the console.
            Logger = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
        };
        var builder = new StreamBuilder();
        builder.Stream<string, byte[]>(input)
            .GroupByKey()
            .WindowedBy(TumblingWindowOptions.Of(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)))
            .Count(RocksDbWindows.As<string, long>("counts", null, null), null)
            .ToStream()
            .To(output, new TimeWindowedSerDes<string>(new StringSerDes(), 60_000), new Int64SerDes());
        var stream = new KafkaStream(builder.Build(), config);
        var window = new SteadyState(events);
        stream.StartAsync().GetAwaiter().GetResult();
        var updates = CountOutput.WaitForUpdates(cluster.BootstrapServers, output, events, timeout, progress => window.Observe(progress));
        window.Stop(updates);
        stream.Dispose();
        return (window, updates);
    }
}

/// <summary>
/// The count scenario's output, read back with read_committed: how many updates arrived, and whether each window's last
/// count equals the count of its input records (keys and timestamps as the input was generated).
/// </summary>
internal static class CountOutput
{
    /// <summary>Reads until <paramref name="expected"/> updates are there (or the timeout); returns how many were read.</summary>
    public static long WaitForUpdates(string bootstrapServers, string topic, long expected, TimeSpan timeout, Action<long> progress)
    {
        using var consumer = Reader(bootstrapServers);
        consumer.Subscribe(topic);
        var stopwatch = Stopwatch.StartNew();
        long read = 0;
        while (read < expected && stopwatch.Elapsed < timeout)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false })
            {
                progress(++read);
            }
        }

        consumer.Close();
        return read;
    }

    /// <summary>
    /// Checks every window's final count against the input; returns the number of windows and those whose last count
    /// is wrong or missing, and the CPU the read took.
    /// </summary>
    public static (int Windows, int Wrong, TimeSpan ReadCpu) Verify(string bootstrapServers, string topic, IReadOnlyDictionary<(string Key, long Window), long> expected, long updates)
    {
        var last = new Dictionary<(string, long), long>(expected.Count);
        var cpu = CpuClock.Start();
        using (var consumer = Reader(bootstrapServers))
        {
            consumer.Subscribe(topic);
            var stopwatch = Stopwatch.StartNew();
            long read = 0;
            while (read < updates && stopwatch.Elapsed < TimeSpan.FromMinutes(2))
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } record)
                {
                    read++;
                    last[DecodeKey(record.Message.Key)] = Decode(record.Message.Value);
                }
            }

            consumer.Close();
        }

        var readCpu = cpu.Elapsed;
        var wrong = expected.Count(e => !last.TryGetValue(e.Key, out var count) || count != e.Value);
        return (expected.Count, wrong, readCpu);
    }

    /// <summary>
    /// A windowed key: the key, then the window start as 8 big-endian bytes (Kafka's TimeWindowedSerializer, and the
    /// engine's), to which Streamiz appends 4 bytes more; the first reading that gives a plausible window start wins.
    /// </summary>
    private static (string Key, long Window) DecodeKey(byte[] key)
    {
        foreach (var suffix in (ReadOnlySpan<int>)[8, 12])
        {
            if (key.Length >= suffix && BinaryPrimitives.ReadInt64BigEndian(key.AsSpan(key.Length - suffix, 8)) is var start
                && start is > 1_500_000_000_000 and < 4_000_000_000_000 && start % 60_000 == 0)
            {
                return (Encoding.UTF8.GetString(key, 0, key.Length - suffix), start);
            }
        }

        return (Convert.ToHexString(key), -1);
    }

    /// <summary>Kafka's Long serializer writes big-endian; Streamiz's writes the machine's order, absurd when read the other way.</summary>
    private static long Decode(byte[] value)
    {
        var bigEndian = BinaryPrimitives.ReadInt64BigEndian(value);
        return bigEndian is >= 0 and < int.MaxValue ? bigEndian : BinaryPrimitives.ReadInt64LittleEndian(value);
    }

    private static IConsumer<byte[], byte[]> Reader(string bootstrapServers) => new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
    {
        BootstrapServers = bootstrapServers,
        GroupId = "count-reader-" + Guid.NewGuid().ToString("N"),
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        IsolationLevel = IsolationLevel.ReadCommitted,
    }).Build();
}
