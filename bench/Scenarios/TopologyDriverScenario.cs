using System.Diagnostics;
using OpenTelemetry.Trace;
using Personalization.Simulation;
using Personalization.Topology;
using Personalization.Topology.Records;
using Personalization.Topology.Scoring;
using Personalization.Topology.Scoring.Rollouts;
using Personalization.Topology.Serving;
using Streams.Engine;
using Streams.Engine.State;
using Streams.Engine.Testing;

namespace Personalization.Bench.Scenarios;

/// <summary>
/// Features and scoring alone, on the topology test driver (no broker): the generator's event mix through the
/// PersonalizationTopology with the shipped models, on RocksDB stores and on in-memory stores.
/// </summary>
internal static class TopologyDriverScenario
{
    /// <summary>Events of the pass that compiles and warms the code before variants are compared (a fifth of a run is enough for the JIT's tiers).</summary>
    private const int WarmUpEvents = 20_000;

    public static IReadOnlyList<ScenarioResult> Run(int events)
    {
        var generated = new ClickstreamGenerator(new GeneratorOptions { Users = 20_000, Seed = 3 })
            .Select(r => r.Event).OfType<ClickEvent>().Take(events).ToArray();
        // Without a warm-up pass the first variant would pay for the JIT's tiers and the second would not.
        Measure(generated[..WarmUpEvents], StoreType.InMemory, "features", "warm-up");
        return
        [
            Measure(generated, StoreType.RocksDb, "features", "driver-rocksdb"),
            Measure(generated, StoreType.InMemory, "features", "driver-in-memory"),
            .. QueryReads(generated, reads: 50_000),
            Measure(DayLongUsers(generated, users: 100, minutes: 1_500), StoreType.RocksDb, "features", "day-long-users-rocksdb"),
        ];
    }

    /// <summary>
    /// Users active in every minute of a day: the generator's event mix given to <paramref name="users"/> users, one
    /// event each per minute of event time for <paramref name="minutes"/> minutes, each user on their own device, IP
    /// and country. Every feature read covers a full 24-hour horizon, which the generator's own users, most of them
    /// seen a few times, never do.
    /// </summary>
    private static ClickEvent[] DayLongUsers(ClickEvent[] mix, int users, int minutes)
    {
        var start = mix[0].Timestamp;
        var events = new ClickEvent[users * minutes];
        for (var i = 0; i < events.Length; i++)
        {
            var user = i % users;
            events[i] = mix[i % mix.Length] with
            {
                UserId = "day-long-" + user,
                DeviceId = "device-" + user,
                IpHash = "ip-" + user,
                Country = "DE",
                Timestamp = start.AddMinutes(i / users).AddMilliseconds(user * 100),
            };
        }

        return events;
    }

    /// <summary>
    /// What a query API lookup costs in the stores alone (no HTTP): <see cref="UserStateQuery.Read"/> of random users
    /// after the events are in, through the read-only view a running instance gives, on RocksDB.
    /// </summary>
    private static IReadOnlyList<ScenarioResult> QueryReads(ClickEvent[] events, int reads)
    {
        var options = new PersonalizationOptions();
        using var models = new ModelDirectory(new ModelOptions { Directory = Path.Combine(AppContext.BaseDirectory, "models") });
        models.Scan();
        using var serdes = new RecordSerdes(RecordSchemas.LocalRegistry());
        using var driver = new TopologyTestDriver(new PersonalizationTopology(options, serdes, models, new FraudGuardrail(options.Scoring)).Build(), new StreamsConfig { ApplicationId = "bench" });
        var input = driver.CreateInputTopic(options.Topics.Clickstream, Streams.Engine.Serialization.Serdes.String, serdes.ClickEvent);
        foreach (var e in events)
        {
            input.PipeInput(e.UserId, e, e.Timestamp.ToUnixTimeMilliseconds());
        }

        var users = events.Select(e => e.UserId).Distinct().ToArray();
        var random = new Random(9);
        var found = 0;
        for (var i = 0; i < 2_000; i++)
        {
            var user = users[random.Next(users.Length)];
            driver.Query(UserStateQuery.RoutingStore, stores => UserStateQuery.Read(stores, user));
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var cpu = CpuClock.Start();
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < reads; i++)
        {
            var user = users[random.Next(users.Length)];
            found += driver.Query(UserStateQuery.RoutingStore, stores => UserStateQuery.Read(stores, user)) is null ? 0 : 1;
        }

        stopwatch.Stop();
        return
        [
            new ScenarioResult
            {
                Scenario = "features", Variant = "query-reads", Events = reads, Seconds = stopwatch.Elapsed.TotalSeconds, CpuSeconds = cpu.Elapsed.TotalSeconds,
                AllocatedBytesPerEvent = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)reads,
                Notes = FormattableString.Invariant($"a user's attributes, scores and features read from RocksDB stores, {users.Length:N0} users, {found:N0} found"),
            },
        ];
    }

    /// <summary>
    /// The cost of tracing: the same run with no tracer provider (the default), with one sampling 1 % of the records
    /// (the default ratio), and with every record traced; spans go through the SDK's batch processor to an exporter
    /// that drops them, so what is measured is the worker's side, not a collector's.
    /// </summary>
    public static IReadOnlyList<ScenarioResult> RunTracing(int events)
    {
        var generated = new ClickstreamGenerator(new GeneratorOptions { Users = 20_000, Seed = 3 })
            .Select(r => r.Event).OfType<ClickEvent>().Take(events).ToArray();
        // A first pass compiles and warms everything, so the variants differ by tracing alone.
        Measure(generated[..WarmUpEvents], StoreType.InMemory, "tracing", "warm-up");
        var results = new List<ScenarioResult> { Measure(generated, StoreType.InMemory, "tracing", "tracing-off") };
        foreach (var (ratio, variant) in new[] { (0.01, "tracing-1-percent"), (1.0, "tracing-every-record") })
        {
            using var provider = OpenTelemetry.Sdk.CreateTracerProviderBuilder()
                .AddSource(Streams.Engine.Tracing.StreamsTracing.SourceName, PersonalizationTracing.SourceName)
                .SetSampler(new OpenTelemetry.Trace.TraceIdRatioBasedSampler(ratio))
                .AddProcessor(new OpenTelemetry.BatchActivityExportProcessor(new DiscardingExporter()))
                .Build();
            results.Add(Measure(generated, StoreType.InMemory, "tracing", variant));
        }

        return results;
    }

    /// <summary>
    /// What a rollout costs the scoring path: the same run with no plan, with a shadow of each model, and with a canary
    /// of each serving half of the users. The candidate is a copy of the shipped version, so every compared row is
    /// scored twice and nothing is rolled back; the difference is the second model call and the comparison.
    /// </summary>
    public static IReadOnlyList<ScenarioResult> RunRollouts(int events)
    {
        var generated = new ClickstreamGenerator(new GeneratorOptions { Users = 20_000, Seed = 3 })
            .Select(r => r.Event).OfType<ClickEvent>().Take(events).ToArray();
        var directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "bench-rollouts-" + Guid.NewGuid().ToString("N"))).FullName;
        try
        {
            foreach (var model in new[] { "fraud", "propensity" })
            {
                var shipped = Path.Combine(AppContext.BaseDirectory, "models", $"{model}-v1.zip");
                File.Copy(shipped, Path.Combine(directory, $"{model}-v1.zip"));
                File.Copy(shipped, Path.Combine(directory, $"{model}-v2.zip"));
            }

            var plan = Path.Combine(directory, "rollouts.json");
            Measure(generated[..WarmUpEvents], StoreType.InMemory, "rollouts", "warm-up", directory);
            var results = new List<ScenarioResult> { Measure(generated, StoreType.InMemory, "rollouts", "no-rollout", directory) };
            foreach (var (variant, entry) in new[]
            {
                ("shadow", "\"mode\": \"shadow\""),
                ("canary-50-percent", "\"mode\": \"canary\", \"share\": 0.5"),
            })
            {
                File.WriteAllText(plan, $$"""
                    {
                      "fraud": { "serving": "v1", "candidate": "v2", {{entry}} },
                      "propensity": { "serving": "v1", "candidate": "v2", {{entry}} }
                    }
                    """);
                var measured = Measure(generated, StoreType.InMemory, "rollouts", variant, directory);
                results.Add(measured with { Ratio = measured.EventsPerSecond / results[0].EventsPerSecond, Baseline = "no-rollout" });
            }

            return results;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static ScenarioResult Measure(ClickEvent[] events, StoreType storeType, string scenario, string variant, string? modelDirectory = null)
    {
        var options = new PersonalizationOptions { StoreType = storeType };
        using var models = new ModelDirectory(new ModelOptions { Directory = modelDirectory ?? Path.Combine(AppContext.BaseDirectory, "models") });
        models.Scan();
        using var serdes = new RecordSerdes(RecordSchemas.LocalRegistry());
        var topology = new PersonalizationTopology(options, serdes, models, new FraudGuardrail(options.Scoring)).Build();
        using var driver = new TopologyTestDriver(topology, new StreamsConfig { ApplicationId = "bench" });
        var input = driver.CreateInputTopic(options.Topics.Clickstream, Streams.Engine.Serialization.Serdes.String, serdes.ClickEvent);

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var paused = GC.GetTotalPauseDuration();
        var collections = GC.CollectionCount(0);
        var cpu = CpuClock.Start();
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < events.Length; i++)
        {
            input.PipeInput(events[i].UserId, events[i], events[i].Timestamp.ToUnixTimeMilliseconds());
            if (i % 1000 == 999)
            {
                // One second of wall clock per thousand events: the punctuator rescores changed users as in production.
                driver.AdvanceWallClockTime(TimeSpan.FromSeconds(1));
            }
        }

        stopwatch.Stop();
        var pauseShare = (GC.GetTotalPauseDuration() - paused) / stopwatch.Elapsed;
        return new ScenarioResult
        {
            Scenario = scenario,
            Variant = variant,
            Events = events.Length,
            Seconds = stopwatch.Elapsed.TotalSeconds,
            CpuSeconds = cpu.Elapsed.TotalSeconds,
            AllocatedBytesPerEvent = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)events.Length,
            PeakWorkingSetMb = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0,
            Notes = ScenarioResult.JoinNotes(
                    FormattableString.Invariant($"{GC.CollectionCount(0) - collections:N0} gen-0 collections; collections paused the process {pauseShare:P0} of the run"),
                    StoreOperationCounts.Of(driver.Metrics).Describe(events.Length))
                + (modelDirectory is null ? "" : $"; {models.Metrics.CounterTotal(RolloutMetrics.Comparisons):N0} rows compared, {models.Metrics.CounterTotal(RolloutMetrics.Rollbacks)} rollbacks"),
        };
    }

    private sealed class DiscardingExporter : OpenTelemetry.BaseExporter<Activity>
    {
        public override OpenTelemetry.ExportResult Export(in OpenTelemetry.Batch<Activity> batch) => OpenTelemetry.ExportResult.Success;
    }
}
