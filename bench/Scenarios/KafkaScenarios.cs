using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Personalization.Simulation;
using Personalization.Topology;
using Personalization.Topology.Records;
using Personalization.Topology.Scoring;
using Streams.Engine;
using Streams.Engine.Dsl;
using Streams.Engine.Runtime;
using Streams.Engine.Serialization;
using Streams.Engine.State;
using Streams.Engine.Tasks;

namespace Personalization.Bench.Scenarios;

/// <summary>
/// The scenarios that run against one embedded cluster: the raw-client ceiling (<c>passthrough</c>), the engine's
/// windowed count (<c>count</c>) and the full topology (<c>topology</c>), each under at-least-once and exactly-once.
/// Inputs are written before each run, spread over enough partitions to stay inside the mock cluster's per-partition
/// retention; throughput is input records over the time from start to the last one consumed. The cluster runs in a
/// child process, so working-set figures are the engine's alone.
/// </summary>
internal sealed class KafkaScenarios : IDisposable
{
    private const int Partitions = 32;
    private const int Keys = 100_000;
    private const int LatencyPartitions = 4;
    private static readonly TimeSpan LatencyWarmUp = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan LatencyWindow = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(90);

    private readonly IBenchCluster _cluster;
    private readonly string _stateRoot = Path.Combine(Path.GetTempPath(), "bench-" + Guid.NewGuid().ToString("N"));
    private int _serial;
    private (int Events, string Input, long Start)? _countInput;

    /// <param name="bootstrapServers">An external cluster to run on; null runs the embedded cluster in a child process.</param>
    public KafkaScenarios(string? bootstrapServers) =>
        _cluster = bootstrapServers is null ? new ClusterProcess() : new ExternalCluster(bootstrapServers);

    /// <summary>The cluster, shared with the scenarios that run worker processes on it.</summary>
    public IBenchCluster Cluster => _cluster;

    /// <summary>Where runs keep their state; deleted with the scenarios.</summary>
    public string StateRoot => _stateRoot;

    public void Dispose()
    {
        _cluster.Dispose();
        if (Directory.Exists(_stateRoot))
        {
            Directory.Delete(_stateRoot, recursive: true);
        }
    }

    /// <summary>A bare consumer → producer loop over the same bytes, committing every second: the ceiling.</summary>
    public ScenarioResult Passthrough(int events)
    {
        var (input, output, _) = CountInput(events);
        var consumerConfig = new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            GroupId = "passthrough-" + _serial,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        using var consumer = new ConsumerBuilder<byte[], byte[]>(consumerConfig).Build();
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, LingerMs = 5 }).Build();
        var stopwatch = Stopwatch.StartNew();
        var window = new SteadyState(events);
        consumer.Subscribe(input);
        long consumed = 0;
        var lastCommit = Stopwatch.GetTimestamp();
        while (consumed < events && stopwatch.Elapsed < Timeout)
        {
            window.Observe(consumed);
            var record = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (record is null || record.IsPartitionEOF)
            {
                continue;
            }

            while (true)
            {
                try
                {
                    producer.Produce(output, record.Message);
                    break;
                }
                catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(10));
                }
            }

            consumed++;
            if (Stopwatch.GetElapsedTime(lastCommit) >= TimeSpan.FromSeconds(1))
            {
                producer.Flush(TimeSpan.FromSeconds(30));
                consumer.Commit();
                lastCommit = Stopwatch.GetTimestamp();
            }
        }

        producer.Flush(TimeSpan.FromSeconds(30));
        consumer.Commit();
        window.Stop(consumed);
        consumer.Close();
        return Result("passthrough", "at_least_once", window);
    }

    /// <summary>The engine's one-minute tumbling count per key on a logged RocksDB window store, 100,000 keys.</summary>
    public ScenarioResult Count(int events, ProcessingGuarantee guarantee)
    {
        var (input, output, start) = CountInput(events);
        var builder = new StreamsBuilder();
        builder.Stream(input, Serdes.String, Serdes.ByteArray)
            .GroupByKey()
            .WindowedBy(TimeWindows.OfSizeWithGrace(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)))
            .Count(Materialized.As("counts"))
            .ToStream()
            .To(output, WindowedSerdes.TimeWindowed(Serdes.String, TimeSpan.FromMinutes(1)), Serdes.Int64);
        var result = RunStreams("count", builder.Build(), input, events, guarantee);
        var (windows, wrong, _) = CountOutput.Verify(_cluster.BootstrapServers, output, ExpectedCounts(events, start), events);
        return result with { Notes = ScenarioResult.JoinNotes($"output checked: {windows:N0} windows, {wrong:N0} wrong or missing", result.Notes) };
    }

    /// <summary>
    /// The peer on the same workload: Streamiz.Kafka.Net's one-minute tumbling count on RocksDB, its output checked
    /// the same way; its CPU figure leaves out the output reader the run ends by.
    /// </summary>
    public ScenarioResult StreamizCount(int events, ProcessingGuarantee guarantee)
    {
        var (input, output, start) = CountInput(events);
        var exactlyOnce = guarantee == ProcessingGuarantee.ExactlyOnceV2;
        var applicationId = $"bench-streamiz-{++_serial}";
        // A normal run takes under a minute here; a stalled one is reported incomplete instead of holding up the run.
        var (window, updates) = StreamizPeer.Count(_cluster, applicationId, input, output, events, exactlyOnce, Path.Combine(_stateRoot, applicationId), PeerTimeout);
        var (windows, wrong, readCpu) = CountOutput.Verify(_cluster.BootstrapServers, output, ExpectedCounts(events, start), updates);
        // The reader ran over the whole output while the window covers the part after the warm-up.
        var readerInWindow = updates > 0 ? readCpu * ((double)window.Events / updates) : TimeSpan.Zero;
        return Result("count-streamiz", exactlyOnce ? "exactly_once_v2" : "at_least_once", window.Events, window.Elapsed, window.Cpu - readerInWindow) with
        {
            Incomplete = updates < events || wrong > 0,
            Notes = (updates < events || wrong > 0 ? "incomplete, not compared; " : "")
                + FormattableString.Invariant($"Streamiz.Kafka.Net 1.8.2; output checked: {windows:N0} windows, {wrong:N0} wrong or missing; ")
                + FormattableString.Invariant($"CPU leaves out the output reader ({readCpu.TotalSeconds:F1} s to read the output once more)"),
        };
    }

    /// <summary>The count of each (key, one-minute window) in the input <see cref="CountInput"/> generates.</summary>
    private static Dictionary<(string Key, long Window), long> ExpectedCounts(int events, long start)
    {
        var expected = new Dictionary<(string, long), long>();
        for (var i = 0; i < events; i++)
        {
            var timestamp = start + (long)i * 600_000 / events;
            var key = ($"user-{i * 7919L % Keys:D6}", timestamp / 60_000 * 60_000);
            expected[key] = expected.GetValueOrDefault(key) + 1;
        }

        return expected;
    }

    /// <summary>The full personalization topology on the generator's event mix, with the shipped models.</summary>
    public ScenarioResult Topology(int events, ProcessingGuarantee guarantee)
    {
        var (topics, topology, serdes, models) = TopologyOnNewTopics();
        using var _ = serdes;
        using var __ = models;
        var generated = new ClickstreamGenerator(new GeneratorOptions { Users = 100_000, Seed = _serial, Start = DateTimeOffset.UtcNow.AddHours(-1) })
            .Where(r => r.Event is not null)
            .Take(events)
            .Select(r => (
                Encoding.UTF8.GetBytes(r.UserId!),
                serdes.ClickEvent.Serialize(r.Event!, new SerializationContext(MessageComponentType.Value, topics.Clickstream)),
                r.Timestamp.ToUnixTimeMilliseconds()));
        Feed(topics.Clickstream, generated);
        return RunStreams("topology", topology, topics.Clickstream, events, guarantee, topics.DeadLetters);
    }

    /// <summary>
    /// The full topology under exactly-once, fed at <paramref name="rate"/> events/s with event time = now, and the
    /// latency from event time to each output record as a read-committed consumer sees it and, for scores.fraud, to the
    /// end of the commit that made it visible (<see cref="CommitVisibility"/>: on the embedded cluster the reader sees
    /// records before their commit, and only the second figure is what a reader of a real broker waits for). The first
    /// <see cref="LatencyWarmUp"/> of feeding is not measured: it holds JIT compilation, first model calls and the
    /// first segment of every store, which a long-running worker pays once. With <paramref name="idleCommitMs"/> the
    /// engine also commits whenever it has caught up (idle.commit.interval.ms), a variant of its own.
    /// </summary>
    public ScenarioResult Latency(double rate, TimeSpan duration, int? idleCommitMs = null)
    {
        // Fewer partitions than the throughput runs: under exactly-once every commit writes a marker to every partition
        // the transaction touched, and the mock cluster walks a partition's batches to answer each fetch, so at a
        // steady rate the fan-out, not the work, would set the latency.
        var (topics, topology, serdes, models) = TopologyOnNewTopics(partitions: LatencyPartitions);
        using var _ = serdes;
        using var __ = models;
        var measureFrom = DateTimeOffset.UtcNow.Add(LatencyWarmUp).ToUnixTimeMilliseconds();
        var visibility = new CommitVisibility(topics.FraudScores, eventTime => eventTime >= measureFrom ? eventTime : null, measureFrom, LatencyWindow, (int)Math.Ceiling(duration / LatencyWindow));
        var streams = StartStreams(
            "latency", topology, ProcessingGuarantee.ExactlyOnceV2, topics.DeadLetters, visibility.Listen, config => config.IdleCommitIntervalMs = idleCommitMs);
        var histograms = new Dictionary<string, HdrHistogram.LongHistogram>
        {
            [topics.FraudScores] = new(TimeSpan.FromMinutes(1).Ticks, 3),
            [topics.Features] = new(TimeSpan.FromMinutes(1).Ticks, 3),
        };
        var windows = new HdrHistogram.LongHistogram[(int)Math.Ceiling(duration / LatencyWindow)];
        for (var i = 0; i < windows.Length; i++)
        {
            windows[i] = new HdrHistogram.LongHistogram(TimeSpan.FromMinutes(1).Ticks, 3);
        }

        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            using var consumer = ReadCommittedReader("latency-reader-" + _serial);
            consumer.Subscribe(histograms.Keys);
            while (!stop.IsCancellationRequested)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(50)) is { IsPartitionEOF: false } record && record.Message.Timestamp.UnixTimestampMs >= measureFrom)
                {
                    var eventTime = record.Message.Timestamp.UnixTimestampMs;
                    var latency = Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - eventTime) * TimeSpan.TicksPerMillisecond;
                    histograms[record.Topic].RecordValue(latency);
                    var window = (int)((eventTime - measureFrom) / (long)LatencyWindow.TotalMilliseconds);
                    if (record.Topic == topics.FraudScores && window < windows.Length)
                    {
                        windows[window].RecordValue(latency);
                    }
                }
            }

            consumer.Close();
        });

        var measured = 0L;
        var produced = 0L;
        // The feeder batches as a clickstream collector does (the Java client's default linger since Kafka 4.0 is
        // 5 ms). Its linger counts against the measured latency, as event time is taken when a record is handed to
        // it. Batching matters on the mock cluster: it serves one batch per partition per fetch and finds it by a
        // linear walk of the partition's batches, so single-record batches would measure the mock, not the engine.
        using (var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, LingerMs = 20 }).Build())
        {
            var generator = new ClickstreamGenerator(new GeneratorOptions { Users = 100_000, Seed = 77 }).Where(r => r.Event is not null).GetEnumerator();
            var total = LatencyWarmUp + duration;
            var stopwatch = Stopwatch.StartNew();
            while (stopwatch.Elapsed < total && generator.MoveNext())
            {
                var now = DateTimeOffset.UtcNow;
                var e = generator.Current.Event! with { Timestamp = now };
                var value = serdes.ClickEvent.Serialize(e, new SerializationContext(MessageComponentType.Value, topics.Clickstream));
                producer.Produce(topics.Clickstream, new Message<byte[], byte[]> { Key = Encoding.UTF8.GetBytes(e.UserId), Value = value, Timestamp = new Timestamp(now) });
                produced++;
                if (now.ToUnixTimeMilliseconds() >= measureFrom)
                {
                    measured++;
                }

                var ahead = TimeSpan.FromSeconds(produced / rate) - stopwatch.Elapsed;
                if (ahead > TimeSpan.FromMilliseconds(2))
                {
                    Thread.Sleep(ahead);
                }
            }

            producer.Flush(TimeSpan.FromSeconds(30));
        }

        // Percentiles alone do not say whether the engine kept up: one that fell behind shows latencies that grow with
        // the run's length, not a property of the rate. What it had still to consume when the feed ended says which.
        var backlog = Math.Max(0, produced - streams.Metrics.CounterValue(TaskMetrics.RecordsConsumed, topics.Clickstream));
        Thread.Sleep(TimeSpan.FromSeconds(3));
        stop.Cancel();
        reader.GetAwaiter().GetResult();
        var commits = string.Join(", ", MetricTotals.ByLastLabel(streams.Metrics, RuntimeMetrics.Commits)
            .Where(total => total.Value > 0)
            .Select(total => FormattableString.Invariant($"{total.Value:N0} {total.Key}")));
        StopStreams(streams, "latency");
        var latency = histograms.ToDictionary(h => h.Key.Split('.', 2)[1], h => Figures(h.Value));
        latency["scores.fraud.committed"] = Figures(visibility.Committed);
        var variant = idleCommitMs is { } idle ? FormattableString.Invariant($"exactly_once_v2-idle-commits-{idle}ms") : "exactly_once_v2";
        return Result("latency", variant, measured, duration) with
        {
            Latency = latency,
            Notes =
                FormattableString.Invariant($"fed at {rate:F0} events/s for {duration.TotalSeconds:F0} s after a {LatencyWarmUp.TotalSeconds:F0} s warm-up; ")
                + FormattableString.Invariant($"{backlog:N0} events ({backlog / rate:F1} s of input) not yet consumed when the feed ended: ")
                + (backlog > rate ? "the engine fell behind, and its latencies grew with the run; " : "the engine kept up; ")
                + FormattableString.Invariant($"scores.fraud p99 per {LatencyWindow.TotalSeconds:F0} s as read: {PerWindowP99(windows)} ms, ")
                + $"by commit: {PerWindowP99(visibility.CommittedPerWindow)} ms; "
                + $"from event time to the engine's send of a score {Figures(visibility.Sent).Describe("scores")}; commits took {Figures(visibility.Commits).Describe("commits")}; "
                + $"transactions by what started them: {commits}; "
                + "features.user includes the punctuated rescoring, whose records carry the user's latest event time",
        };
    }

    /// <summary>
    /// Item-trigger latency under load: <paramref name="items"/> items with <paramref name="interested"/> interested users
    /// each (their views first), then, while the full topology runs under exactly-once at <paramref name="rate"/> events/s
    /// of other traffic, one item's price drops by 20 % every 5 seconds. Latency is from the price change's event time
    /// (taken as it is produced) to each trigger as a read-committed consumer of triggers.outbound sees it, and to the end
    /// of the commit that made it visible (<see cref="CommitVisibility"/>), which is what a reader of a real broker waits for.
    /// </summary>
    public ScenarioResult TriggerLatency(double rate, int items, int interested)
    {
        var (topics, topology, serdes, models) = TopologyOnNewTopics(partitions: LatencyPartitions);
        using var _ = serdes;
        using var __ = models;
        // The price drops' event times (UpdatedAt, which their triggers carry as record time), to follow the triggers'
        // commits: on the embedded cluster the reader sees them before then.
        var dropTimes = new System.Collections.Concurrent.ConcurrentDictionary<long, int>();
        long? DropTime(long eventTime) =>
            dropTimes.ContainsKey(eventTime) ? eventTime : dropTimes.ContainsKey(eventTime - 1) ? eventTime - 1 : dropTimes.ContainsKey(eventTime + 1) ? eventTime + 1 : null;
        var visibility = new CommitVisibility(topics.Triggers, DropTime);
        var streams = StartStreams("triggers", topology, ProcessingGuarantee.ExactlyOnceV2, topics.DeadLetters, visibility.Listen);
        var histogram = new HdrHistogram.LongHistogram(TimeSpan.FromMinutes(1).Ticks, 3);
        var slowest = new long[items];
        var received = 0L;
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            using var consumer = ReadCommittedReader("trigger-reader-" + _serial);
            consumer.Subscribe(topics.Triggers);
            var context = new SerializationContext(MessageComponentType.Value, topics.Triggers);
            while (!stop.IsCancellationRequested)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(50)) is not { IsPartitionEOF: false } record)
                {
                    continue;
                }

                var trigger = serdes.Trigger.Deserialize(record.Message.Value, false, context);
                if (trigger.Kind == TriggerKind.PriceDrop && trigger.Items[0].ItemId.StartsWith("hot-", StringComparison.Ordinal))
                {
                    var latency = Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - trigger.CauseTime.ToUnixTimeMilliseconds());
                    histogram.RecordValue(latency * TimeSpan.TicksPerMillisecond);
                    var item = int.Parse(trigger.Items[0].ItemId.AsSpan("hot-".Length), CultureInfo.InvariantCulture);
                    slowest[item] = Math.Max(slowest[item], latency);
                    Interlocked.Increment(ref received);
                }
            }

            consumer.Close();
        });

        // Partitioned as the worker partitions (murmur2): the catalog must meet the item's re-keyed interest.
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig
        {
            BootstrapServers = _cluster.BootstrapServers, LingerMs = 20, Partitioner = Partitioner.Murmur2Random,
        }).Build();
        void Catalog(int item, double price, DateTimeOffset at) => Produce(producer, topics.Catalog, $"hot-{item}", serdes.ItemUpdate.Serialize(new ItemUpdate
        {
            ItemId = $"hot-{item}", Name = $"Hot item {item}", Price = price, Currency = "EUR", InStock = true, UpdatedAt = at,
        }, new SerializationContext(MessageComponentType.Value, topics.Catalog)), at);
        void Click(ClickEvent e) =>
            Produce(producer, topics.Clickstream, e.UserId, serdes.ClickEvent.Serialize(e, new SerializationContext(MessageComponentType.Value, topics.Clickstream)), e.Timestamp);

        for (var item = 0; item < items; item++)
        {
            Catalog(item, 100, DateTimeOffset.UtcNow);
        }

        for (var user = 0; user < interested; user++)
        {
            for (var item = 0; item < items; item++)
            {
                Click(new ClickEvent
                {
                    EventId = $"v-{item}-{user}", UserId = $"fan-{item}-{user:D5}", SessionId = $"s-{user}", Type = EventType.ProductView,
                    Timestamp = DateTimeOffset.UtcNow, ItemId = $"hot-{item}", Price = 100,
                });
            }
        }

        producer.Flush(TimeSpan.FromSeconds(30));
        var indexed = Stopwatch.StartNew();
        double Indexed() => streams.Metrics.Snapshot()
            .Where(m => m.Metric == TaskMetrics.RecordsConsumed && m.LabelValues[0].EndsWith("-trigger-item-interest-repartition", StringComparison.Ordinal))
            .Sum(m => m.Value);
        while (Indexed() < (double)items * interested && indexed.Elapsed < Timeout)
        {
            Thread.Sleep(50);
        }

        var indexing = indexed.Elapsed;

        // Other traffic at the given rate, event time = now, while the prices drop one item every 5 seconds.
        var load = Task.Run(() =>
        {
            var generator = new ClickstreamGenerator(new GeneratorOptions { Users = 100_000, Seed = 78, CatalogChangesPerMinute = 0 }).Where(r => r.Event is not null).GetEnumerator();
            var stopwatch = Stopwatch.StartNew();
            var produced = 0L;
            while (!stop.IsCancellationRequested && generator.MoveNext())
            {
                Click(generator.Current.Event! with { Timestamp = DateTimeOffset.UtcNow });
                var ahead = TimeSpan.FromSeconds(++produced / rate) - stopwatch.Elapsed;
                if (ahead > TimeSpan.FromMilliseconds(2))
                {
                    Thread.Sleep(ahead);
                }
            }
        });
        Thread.Sleep(TimeSpan.FromSeconds(5));
        var measured = Stopwatch.StartNew();
        for (var item = 0; item < items; item++)
        {
            var dropAt = DateTimeOffset.UtcNow;
            dropTimes[dropAt.ToUnixTimeMilliseconds()] = item;
            Catalog(item, 80, dropAt);
            producer.Flush(TimeSpan.FromSeconds(30));
            Thread.Sleep(TimeSpan.FromSeconds(5));
        }

        var expected = (long)items * interested;
        while (Interlocked.Read(ref received) < expected && measured.Elapsed < Timeout)
        {
            Thread.Sleep(50);
        }

        var elapsed = measured.Elapsed;
        stop.Cancel();
        load.GetAwaiter().GetResult();
        reader.GetAwaiter().GetResult();
        StopStreams(streams, "triggers");
        return Result("triggers", "exactly_once_v2", received, elapsed) with
        {
            Latency = new Dictionary<string, LatencyFigures>
            {
                ["triggers.outbound"] = Figures(histogram), ["triggers.outbound.committed"] = Figures(visibility.Committed),
            },
            Notes =
                FormattableString.Invariant($"{received:N0} of {expected:N0} price-drop triggers for {items} items with {interested:N0} interested users each ")
                + FormattableString.Invariant($"(their views indexed in {indexing.TotalSeconds:F1} s), ")
                + FormattableString.Invariant($"other traffic at {rate:F0} events/s; the last trigger of each drop after ")
                + string.Join(", ", slowest.Select(ms => ms.ToString(CultureInfo.InvariantCulture))) + " ms as read, "
                + string.Join(", ", dropTimes.OrderBy(d => d.Value).Select(d => visibility.SlowestByEventTime.GetValueOrDefault(d.Key).ToString(CultureInfo.InvariantCulture)))
                + FormattableString.Invariant($" ms by commit ({visibility.Committed.TotalCount:N0} triggers sent with the drops' event times)"),
        };
    }

    /// <summary>Restores a RocksDB key-value store of <paramref name="entries"/> entries from its changelog into an empty state directory.</summary>
    public ScenarioResult Restore(int entries, string variant)
    {
        var id = ++_serial;
        var input = $"restore-in-{id}";
        var applicationId = $"bench-restore-{id}";
        _cluster.CreateTopic(input, Partitions);
        var changelog = $"{applicationId}-restore-store-changelog";
        _cluster.CreateTopic(changelog, Partitions);
        var count = new byte[8];
        Feed(changelog, Enumerable.Range(0, entries).Select(i => (Encoding.UTF8.GetBytes($"user-{i:D7}"), count, 0L)));

        var builder = new StreamsBuilder();
        builder.Stream(input, Serdes.String, Serdes.ByteArray).GroupByKey().Count(Materialized.As("restore-store"));
        var streams = new KafkaStreams(builder.Build(), Config(applicationId, ProcessingGuarantee.AtLeastOnce, null), _cluster.TopicAdmin);
        var stopwatch = Stopwatch.StartNew();
        var window = new SteadyState(entries);
        streams.StartAsync().GetAwaiter().GetResult();
        long restored = 0;
        while (stopwatch.Elapsed < Timeout && streams.State != StreamsState.Error && (restored = streams.Metrics.CounterTotal(RuntimeMetrics.RestoredRecords)) < entries)
        {
            window.Observe(restored);
            Thread.Sleep(5);
        }

        window.Stop(restored);
        StopStreams(streams, "restore");
        return Result("restore", variant, window);
    }

    /// <summary>
    /// Working set with feature state for <paramref name="users"/> distinct users, then again after
    /// <paramref name="continued"/> of further load on the same users.
    /// </summary>
    public ScenarioResult Memory(int users, TimeSpan continued)
    {
        var (topics, topology, serdes, models) = TopologyOnNewTopics(partitions: 64);
        using var _ = serdes;
        using var __ = models;
        var start = DateTimeOffset.UtcNow.AddMinutes(-5);
        ClickEvent View(int user, DateTimeOffset at) => new()
        {
            EventId = $"m-{user}-{at.ToUnixTimeMilliseconds()}", UserId = $"user-{user:D7}", SessionId = $"s-{user}", Type = EventType.ProductView,
            Timestamp = at, ItemId = $"item-{user % 20_000}", Category = $"category-{user % 200}", Price = 10, DeviceId = $"d-{user}", Country = "DE",
        };
        byte[] Serialize(ClickEvent e) => serdes.ClickEvent.Serialize(e, new SerializationContext(MessageComponentType.Value, topics.Clickstream));
        var streams = StartStreams("memory", topology, ProcessingGuarantee.AtLeastOnce, topics.DeadLetters);
        long Consumed() => streams.Metrics.CounterValue(TaskMetrics.RecordsConsumed, topics.Clickstream);
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, LingerMs = 20 }).Build();
        long produced = 0;
        void Produce(ClickEvent e)
        {
            producer.Produce(topics.Clickstream, new Message<byte[], byte[]> { Key = Encoding.UTF8.GetBytes(e.UserId), Value = Serialize(e), Timestamp = new Timestamp(e.Timestamp) });
            // Input is fed while it is consumed, a bounded distance ahead: the mock cluster keeps little per partition,
            // and the comparison is of state, not of queued input.
            if (++produced % 5_000 == 0)
            {
                producer.Flush(TimeSpan.FromSeconds(30));
                while (produced - Consumed() > 50_000 && streams.State != StreamsState.Error)
                {
                    Thread.Sleep(20);
                }
            }
        }

        // The peak can fall between the samples below (during the load); the managed heap's size at that moment says
        // whether it was the runtime's garbage or native memory.
        double peak = 0, heapAtPeak = 0, committedAtPeak = 0;
        var generationsAtPeak = "";
        using var peakSampler = new Timer(_ =>
        {
            var workingSet = Environment.WorkingSet / 1048576.0;
            if (workingSet > peak)
            {
                (peak, heapAtPeak) = (workingSet, GC.GetTotalMemory(forceFullCollection: false) / 1048576.0);
                var last = GC.GetGCMemoryInfo();
                committedAtPeak = last.TotalCommittedBytes / 1048576.0;
                double Before(int generation) => last.GenerationInfo[generation].SizeBeforeBytes / 1048576.0;
                generationsAtPeak = FormattableString.Invariant(
                    $"; that collection (gen {last.Generation}) found gen0 {Before(0):F0}, gen1 {Before(1):F0}, gen2 {Before(2):F0}, large objects {Before(3):F0} MB");
            }
        }, null, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        var stopwatch = Stopwatch.StartNew();
        for (var user = 0; user < users; user++)
        {
            Produce(View(user, start));
        }

        producer.Flush(TimeSpan.FromSeconds(30));
        while (stopwatch.Elapsed < Timeout && streams.State != StreamsState.Error && Consumed() < users)
        {
            Thread.Sleep(100);
        }

        GC.Collect();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var loaded = process.WorkingSet64 / 1048576.0;
        var loadedAt = stopwatch.Elapsed;

        // Continued load: the same users keep clicking, ten seconds of event time per second.
        var random = new Random(5);
        var samples = new List<double>();
        var load = Stopwatch.StartNew();
        var lastSample = TimeSpan.Zero;
        var sampleEvery = TimeSpan.FromSeconds(Math.Max(10, Math.Ceiling(continued.TotalSeconds / 12)));
        while (load.Elapsed < continued && streams.State != StreamsState.Error)
        {
            Produce(View(random.Next(users), start.AddSeconds(60 + load.Elapsed.TotalSeconds * 10)));
            if (load.Elapsed - lastSample >= sampleEvery)
            {
                lastSample = load.Elapsed;
                process.Refresh();
                samples.Add(process.WorkingSet64 / 1048576.0);
            }
        }

        producer.Flush(TimeSpan.FromSeconds(30));
        var further = produced - users;
        GC.Collect();
        process.Refresh();
        var after = process.WorkingSet64 / 1048576.0;
        var gc = GC.GetGCMemoryInfo();
        var managed = gc.HeapSizeBytes / 1048576.0;
        var committed = gc.TotalCommittedBytes / 1048576.0;
        var rocks = Streams.Engine.State.RocksDbMemory.Report();
        StopStreams(streams, "memory");
        return Result("memory", "at_least_once", users + further, loadedAt + continued) with
        {
            Notes =
                FormattableString.Invariant($"working set {loaded:F0} MB with {users:N0} users loaded; ")
                + FormattableString.Invariant($"{after:F0} MB after {continued.TotalMinutes:F0} more minutes ({further:N0} events); ")
                + FormattableString.Invariant($"samples every {sampleEvery.TotalSeconds:F0} s: ")
                + FormattableString.Invariant($"{string.Join(", ", samples.Select(s => s.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))} MB; ")
                + FormattableString.Invariant($"RocksDB: {rocks.Databases} databases, cache in use {rocks.CacheUsage / 1048576.0:F0} MB, ")
                + FormattableString.Invariant($"memtables {rocks.Memtables / 1048576.0:F0} MB, table readers {rocks.TableReaders / 1048576.0:F0} MB; ")
                + FormattableString.Invariant($"managed heap {managed:F0} MB ({committed:F0} MB committed); ")
                + FormattableString.Invariant($"peak working set {peak:F0} MB, of which managed heap (with garbage) {heapAtPeak:F0} MB, ")
                + FormattableString.Invariant($"{committedAtPeak:F0} MB committed at the last collection before it")
                + generationsAtPeak,
        };
    }

    private static LatencyFigures Figures(HdrHistogram.LongHistogram histogram) => new(
        histogram.GetValueAtPercentile(50) / (double)TimeSpan.TicksPerMillisecond,
        histogram.GetValueAtPercentile(99) / (double)TimeSpan.TicksPerMillisecond,
        histogram.GetValueAtPercentile(99.9) / (double)TimeSpan.TicksPerMillisecond,
        histogram.TotalCount);

    /// <summary>A consumer that sees outputs as a downstream reader of an exactly-once worker does, fetching promptly.</summary>
    private IConsumer<byte[], byte[]> ReadCommittedReader(string groupId) => new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
    {
        BootstrapServers = _cluster.BootstrapServers,
        GroupId = groupId,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        IsolationLevel = IsolationLevel.ReadCommitted,
        FetchWaitMaxMs = 10,
    }).Build();

    private static void Produce(IProducer<byte[], byte[]> producer, string topic, string key, byte[] value, DateTimeOffset timestamp)
    {
        while (true)
        {
            try
            {
                producer.Produce(topic, new Message<byte[], byte[]> { Key = Encoding.UTF8.GetBytes(key), Value = value, Timestamp = new Timestamp(timestamp) });
                return;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(10));
            }
        }
    }

    private (TopicOptions Topics, Streams.Engine.Graph.Topology Topology, RecordSerdes Serdes, ModelDirectory Models) TopologyOnNewTopics(int partitions = Partitions)
    {
        var id = ++_serial;
        var topics = new TopicOptions
        {
            Clickstream = $"t{id}.events.clickstream", Decisions = $"t{id}.bandit.decisions", Rewards = $"t{id}.bandit.rewards", Forget = $"t{id}.users.forget",
            Features = $"t{id}.features.user", FraudScores = $"t{id}.scores.fraud", PropensityScores = $"t{id}.scores.propensity",
            Training = $"t{id}.bandit.training", Attributes = $"t{id}.users.attributes", DeadLetters = $"t{id}.events.dlq",
            Catalog = $"t{id}.catalog.items", Triggers = $"t{id}.triggers.outbound",
        };
        foreach (var (topic, _) in topics.All())
        {
            _cluster.CreateTopic(topic, partitions);
        }

        var serdes = new RecordSerdes(RecordSchemas.LocalRegistry());
        var options = new PersonalizationOptions { Topics = topics };
        options.Triggers.Enabled = TriggersEnabled;
        var models = new ModelDirectory(new ModelOptions { Directory = Path.Combine(AppContext.BaseDirectory, "models") });
        models.Scan();
        return (topics, new PersonalizationTopology(options, serdes, models, new FraudGuardrail(options.Scoring)).Build(), serdes, models);
    }

    private KafkaStreams StartStreams(
        string scenario,
        Streams.Engine.Graph.Topology topology,
        ProcessingGuarantee guarantee,
        string? deadLetters,
        Func<Streams.Engine.Metrics.MetricDescriptor, IReadOnlyList<string>, Action<double>?>? histogramListener = null,
        Action<StreamsConfig>? configure = null)
    {
        var config = Config($"bench-{scenario}-{++_serial}", guarantee, deadLetters);
        configure?.Invoke(config);
        var streams = new KafkaStreams(topology, config, _cluster.TopicAdmin);
        streams.Metrics.HistogramListener = histogramListener;
        streams.StartAsync().GetAwaiter().GetResult();
        var deadline = Stopwatch.StartNew();
        while (streams.State != StreamsState.Running && deadline.Elapsed < Timeout)
        {
            if (streams.State == StreamsState.Error)
            {
                throw new InvalidOperationException($"{scenario} failed: {streams.Error?.Message}", streams.Error);
            }

            Thread.Sleep(20);
        }

        return streams;
    }

    /// <summary>
    /// Each window's p99 in milliseconds, comma-separated. A window in which no score arrived (the engine fell that far
    /// behind) has no percentile: it shows as "none".
    /// </summary>
    private static string PerWindowP99(IEnumerable<HdrHistogram.LongHistogram> windows) => string.Join(", ", windows.Select(w => w.TotalCount == 0
        ? "none"
        : (w.GetValueAtPercentile(99) / TimeSpan.TicksPerMillisecond).ToString(CultureInfo.InvariantCulture)));

    private static void StopStreams(KafkaStreams streams, string scenario)
    {
        var error = streams.Error;
        streams.CloseAsync().GetAwaiter().GetResult();
        streams.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (error is not null)
        {
            throw new InvalidOperationException($"{scenario} failed: {error.Message}", error);
        }
    }

    private StreamsConfig Config(string applicationId, ProcessingGuarantee guarantee, string? deadLetters) => new()
    {
        ApplicationId = applicationId,
        BootstrapServers = _cluster.BootstrapServers,
        StateDir = Path.Combine(_stateRoot, applicationId),
        ProcessingGuarantee = guarantee,
        DeadLetterTopic = deadLetters,
        ClientConfig = new Dictionary<string, string>(ClientOverrides),
        NumThreads = StreamThreads,
        StateStoreCacheMaxBytes = CacheBytes ?? new StreamsConfig().StateStoreCacheMaxBytes,
        CommitIntervalMs = CommitIntervalMs,
        IdleCommitIntervalMs = guarantee == ProcessingGuarantee.ExactlyOnceV2 ? IdleCommitIntervalMs : null,
        RocksDbCacheMb = RocksDbCacheMb ?? new StreamsConfig().RocksDbCacheMb,
        RocksDbWriteBufferMb = RocksDbCacheMb / 2 ?? new StreamsConfig().RocksDbWriteBufferMb,
    };

    /// <summary>The RocksDB block cache for every runtime, half of it for memtables (the engine's defaults unless given).</summary>
    public static int? RocksDbCacheMb { get; set; }

    /// <summary>commit.interval.ms for every runtime (the guarantee's default unless given).</summary>
    public static int? CommitIntervalMs { get; set; }

    /// <summary>idle.commit.interval.ms for every exactly-once runtime (off unless given).</summary>
    public static int? IdleCommitIntervalMs { get; set; }

    /// <summary>statestore.cache.max.bytes for every runtime (the engine's default unless given).</summary>
    public static long? CacheBytes { get; set; }

    /// <summary>Stream threads per runtime (1 by default, as the targets are per core).</summary>
    public static int StreamThreads { get; set; } = 1;

    /// <summary>Whether the full topology includes the trigger paths (<c>--no-triggers</c> leaves them out, to measure their cost).</summary>
    public static bool TriggersEnabled { get; set; } = true;

    /// <summary>Client settings given to every runtime (experiments; empty by default).</summary>
    public static Dictionary<string, string> ClientOverrides { get; } = [];

    private ScenarioResult RunStreams(string scenario, Streams.Engine.Graph.Topology topology, string input, int events, ProcessingGuarantee guarantee, string? deadLetters = null)
    {
        var streams = new KafkaStreams(topology, Config($"bench-{scenario}-{++_serial}", guarantee, deadLetters), _cluster.TopicAdmin);
        var stopwatch = Stopwatch.StartNew();
        var window = new SteadyState(events);
        streams.StartAsync().GetAwaiter().GetResult();
        long consumed = 0;
        var settledAfter = TimeSpan.Zero;
        (long Hits, long Misses)? cacheAtStart = null;
        StoreOperationCounts? operationsAtStart = null;
        while (stopwatch.Elapsed < Timeout && streams.State != StreamsState.Error && (consumed = streams.Metrics.CounterValue(TaskMetrics.RecordsConsumed, input)) < events)
        {
            if (cacheAtStart is null && window.StartProgress >= 0)
            {
                cacheAtStart = CacheReads(streams);
                operationsAtStart = StoreOperationCounts.Of(streams.Metrics);
            }

            // A task processes as soon as its own stores are open, while the thread goes on opening the others': the full
            // topology's 32 tasks open about 1,100 RocksDB databases, several seconds of the thread's time and more than
            // the tenth. Until every task runs, the figure would be part start-up, part steady state.
            if (settledAfter == TimeSpan.Zero && streams.Tasks is { Count: > 0 } tasks && tasks.All(task => task.Running))
            {
                settledAfter = stopwatch.Elapsed;
            }

            window.Observe(consumed, settledAfter > TimeSpan.Zero);
            Thread.Sleep(5);
        }

        window.Stop(consumed);
        var (hits, misses) = CacheReads(streams);
        var (hitsBefore, missesBefore) = cacheAtStart ?? (0, 0);
        var cacheReads = hits - hitsBefore + misses - missesBefore;
        var operations = StoreOperationCounts.Of(streams.Metrics) - (operationsAtStart ?? default);
        Console.Error.WriteLine(FormattableString.Invariant(
            $"{scenario} {guarantee}: every task running after {settledAfter.TotalSeconds:F1} s; measured from event {window.StartProgress:N0} of {events:N0}"));
        StopStreams(streams, scenario);
        return Result(scenario, guarantee == ProcessingGuarantee.ExactlyOnceV2 ? "exactly_once_v2" : "at_least_once", window) with
        {
            // Whether the record cache spares RocksDB the reads: a store read the cache cannot answer goes to the database.
            Notes = ScenarioResult.JoinNotes(
                cacheReads > 0
                    ? FormattableString.Invariant($"record cache: {(double)(hits - hitsBefore) / cacheReads:P0} of {(double)cacheReads / window.Events:F1} store reads per event answered")
                    : null,
                operations.Describe(window.Events),
                window.GcPauseShare is { } paused ? FormattableString.Invariant($"collections paused the process {paused:P0} of the window") : null),
        };
    }

    /// <summary>The record caches' reads so far, all threads together, by whether the cache answered.</summary>
    private static (long Hits, long Misses) CacheReads(KafkaStreams streams)
    {
        var reads = MetricTotals.ByLastLabel(streams.Metrics, RecordCacheMetrics.Reads);
        return (reads.GetValueOrDefault("hit"), reads.GetValueOrDefault("miss"));
    }

    /// <summary>
    /// Input for the count and passthrough: keys over 100,000 users, timestamps over ten minutes, 60-byte values, and an
    /// output topic of the run's own. The input is written once and read by every run of the same size (each reads it
    /// from the start in a group of its own): the passthrough, both counts and the peer, in every round.
    /// </summary>
    private (string Input, string Output, long Start) CountInput(int events)
    {
        var id = ++_serial;
        var output = $"count-out-{id}";
        _cluster.CreateTopic(output, Partitions);
        if (_countInput is { } shared && shared.Events == events)
        {
            return (shared.Input, output, shared.Start);
        }

        var input = $"count-in-{id}";
        _cluster.CreateTopic(input, Partitions);
        var start = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeMilliseconds();
        var value = new byte[60];
        Feed(input, Enumerable.Range(0, events).Select(i =>
            (Encoding.UTF8.GetBytes($"user-{i * 7919L % Keys:D6}"), value, start + (long)i * 600_000 / events)));
        _countInput = (events, input, start);
        return (input, output, start);
    }

    private void Feed(string topic, IEnumerable<(byte[] Key, byte[] Value, long Timestamp)> records)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            LingerMs = 20,
            BatchSize = 1_000_000,
            Partitioner = Partitioner.Murmur2Random,
        }).Build();
        foreach (var (key, value, timestamp) in records)
        {
            var message = new Message<byte[], byte[]> { Key = key, Value = value, Timestamp = new Timestamp(timestamp, TimestampType.CreateTime) };
            while (true)
            {
                try
                {
                    producer.Produce(topic, message);
                    break;
                }
                catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(10));
                }
            }
        }

        producer.Flush(TimeSpan.FromSeconds(60));
    }

    /// <summary>A result measured over a steady-state window: its events, time, CPU and allocations, all the process's own.</summary>
    private static ScenarioResult Result(string scenario, string guarantee, SteadyState window) =>
        Result(scenario, guarantee, window.Events, window.Elapsed, window.Cpu) with { AllocatedBytesPerEvent = window.AllocatedBytesPerEvent };

    private static ScenarioResult Result(string scenario, string guarantee, long events, TimeSpan elapsed, TimeSpan? cpu = null) => new()
    {
        Scenario = scenario,
        Variant = guarantee,
        Events = events,
        Seconds = elapsed.TotalSeconds,
        CpuSeconds = cpu?.TotalSeconds,
        PeakWorkingSetMb = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0,
    };
}
