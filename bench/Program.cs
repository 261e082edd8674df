using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Personalization.Bench;
using Personalization.Bench.Scenarios;
using Streams.Engine;

// dotnet run -c Release --project bench -- [scenario...] [option...]   (--help lists them)
// Each scenario reports its throughput next to a baseline measured in the same run, as a table and one JSON object
// per result; a run of every scenario also writes bench/results/latest.json (a run of some, latest-partial.json).
if (args is [ClusterProcess.ServeArgument])
{
    return ClusterProcess.Serve();
}

BenchArguments options;
string? argumentError = null;
try
{
    options = BenchArguments.Parse(args);
}
catch (ArgumentException error)
{
    options = BenchArguments.Parse([]);
    argumentError = error.Message;
}

var latencySeconds = options.Int("--latency-seconds", 30);
var memoryMinutes = options.Int("--memory-minutes", 1);
var latencyRate = options.Int("--latency-rate", 0);
var rounds = Math.Max(1, options.Int("--rounds", 3));
KafkaScenarios.StreamThreads = options.Int("--threads", 1);
KafkaScenarios.CacheBytes = options.Has("--cache-bytes") ? options.Int("--cache-bytes", 0) : null;
KafkaScenarios.TriggersEnabled = !options.Has("--no-triggers");
KafkaScenarios.CommitIntervalMs = options.Has("--commit-interval-ms") ? options.Int("--commit-interval-ms", 100) : null;
KafkaScenarios.IdleCommitIntervalMs = options.Has("--idle-commit-ms") ? options.Int("--idle-commit-ms", 20) : null;
KafkaScenarios.RocksDbCacheMb = options.Has("--rocksdb-cache-mb") ? options.Int("--rocksdb-cache-mb", 0) : null;
foreach (var (key, value) in options.ClientSettings)
{
    KafkaScenarios.ClientOverrides[key] = value;
}

var names = options.Scenarios.ToArray();

const int KafkaEvents = 500_000;
// The idle commit interval of the latency scenario's second variant (docs/performance.md, "Idle commits").
const int DefaultIdleCommitMs = 20;
const int TopologyEvents = 300_000;
var bootstrap = options.Text("--bootstrap");
// Assigned once the command line has been checked, so that a bad one does not start a cluster first.
KafkaScenarios kafka = null!;
QueryScenarios queries = null!;
var results = new List<ScenarioResult>();
var scenarios = new Dictionary<string, Func<IReadOnlyList<ScenarioResult>>>(StringComparer.OrdinalIgnoreCase)
{
    ["passthrough"] = () => [kafka.Passthrough(KafkaEvents)],
    ["count"] = () => [kafka.Count(KafkaEvents, ProcessingGuarantee.AtLeastOnce), kafka.Count(KafkaEvents, ProcessingGuarantee.ExactlyOnceV2)],
    // The peer, on the count workload: `-- passthrough count streamiz` reruns the comparison.
    ["streamiz"] = () => [kafka.StreamizCount(KafkaEvents, ProcessingGuarantee.AtLeastOnce), kafka.StreamizCount(KafkaEvents, ProcessingGuarantee.ExactlyOnceV2)],
    ["topology"] = () => [kafka.Topology(TopologyEvents, ProcessingGuarantee.AtLeastOnce), kafka.Topology(TopologyEvents, ProcessingGuarantee.ExactlyOnceV2)],
    ["latency"] = () =>
    {
        // Half of the exactly-once throughput measured in this run (or of a short measurement made for the purpose).
        var rate = latencyRate > 0
            ? latencyRate
            : (results.FirstOrDefault(r => r.Scenario == "topology" && r.Variant == "exactly_once_v2") ?? kafka.Topology(100_000, ProcessingGuarantee.ExactlyOnceV2)).EventsPerSecond / 2;
        var duration = TimeSpan.FromSeconds(latencySeconds);
        // With the engine's defaults and with idle commits as well, unless the command line chose an idle commit interval.
        return KafkaScenarios.IdleCommitIntervalMs is { } idleCommitMs
            ? [kafka.Latency(rate, duration, idleCommitMs)]
            : [kafka.Latency(rate, duration), kafka.Latency(rate, duration, DefaultIdleCommitMs)];
    },
    // Item triggers for items with 10,000 interested users each, at the latency scenario's rate.
    ["triggers"] = () =>
    {
        var rate = latencyRate > 0
            ? latencyRate
            : (results.FirstOrDefault(r => r.Scenario == "topology" && r.Variant == "exactly_once_v2") ?? kafka.Topology(100_000, ProcessingGuarantee.ExactlyOnceV2)).EventsPerSecond / 2;
        return [kafka.TriggerLatency(rate, items: 3, interested: 10_000)];
    },
    // 500,000 records restore in about a second, much of it in code the JIT has not yet optimized; the larger store
    // shows the rate a long restoration settles at.
    ["restore"] = () => [kafka.Restore(500_000, "rocksdb-key-value"), kafka.Restore(3_000_000, "rocksdb-key-value-3m")],
    // Memory runs in a process of its own, so what earlier scenarios left behind (heap, the shared RocksDB cache) does
    // not count as its working set, and with the image's allocator settings.
    ["memory"] = () => options.Has("--isolated")
        ? [kafka.Memory(options.Int("--memory-users", 1_000_000), TimeSpan.FromMinutes(memoryMinutes))]
        : [IsolatedScenario.Run([
            "memory",
            "--memory-minutes", memoryMinutes.ToString(CultureInfo.InvariantCulture),
            "--memory-users", options.Int("--memory-users", 1_000_000).ToString(CultureInfo.InvariantCulture),
            "--isolated",
            // Without the trigger paths: with them, 64 partitions open about 1,100 RocksDB databases, more than the 20,000
            // file descriptors this machine allows a process (docs/performance.md, "Triggers").
            "--no-triggers",
            .. KafkaScenarios.ClientOverrides.SelectMany(setting => new[] { "--client", $"{setting.Key}={setting.Value}" }),
            .. KafkaScenarios.RocksDbCacheMb is { } cacheMb ? ["--rocksdb-cache-mb", cacheMb.ToString(CultureInfo.InvariantCulture)] : Array.Empty<string>(),
            .. KafkaScenarios.CacheBytes is { } cacheBytes ? ["--cache-bytes", cacheBytes.ToString(CultureInfo.InvariantCulture)] : Array.Empty<string>(),
            .. KafkaScenarios.CommitIntervalMs is { } commitMs ? ["--commit-interval-ms", commitMs.ToString(CultureInfo.InvariantCulture)] : Array.Empty<string>(),
            .. KafkaScenarios.IdleCommitIntervalMs is { } idleMs ? ["--idle-commit-ms", idleMs.ToString(CultureInfo.InvariantCulture)] : Array.Empty<string>(),
            .. bootstrap is null ? Array.Empty<string>() : ["--bootstrap", bootstrap],
        ])],
    ["queries"] = () => queries.Queries(users: 50_000, backlog: 60_000, requestRate: options.Int("--query-rate", 5_000), TimeSpan.FromSeconds(20)),
    // 100,000 users keep the whole run under 15 minutes; the serving target is stated for 1,000,000 (--failover-users 1000000).
    ["failover"] = () =>
    [
        queries.Failover(options.Int("--failover-users", 100_000), standbys: 1, partitions: 64),
        queries.Failover(options.Int("--failover-users", 100_000), standbys: 0, partitions: 64),
    ],
    ["console"] = () => queries.Console(users: 20_000, backlog: options.Int("--console-events", 40_000), rounds: options.Int("--console-rounds", 3)),
    ["serde"] = () => SerdeScenario.Run(roundTrips: 2_000_000),
    ["features"] = () => TopologyDriverScenario.Run(events: 100_000),
    ["tracing"] = () => TopologyDriverScenario.RunTracing(events: 100_000),
    ["rollouts"] = () => TopologyDriverScenario.RunRollouts(events: 100_000),
    ["scoring"] = () => ScoringBatchScenario.Run(rows: 20_000),
    ["reward-join"] = () => RewardJoinScenario.Run(decisionsPerSecond: options.Int("--decision-rate", 400), users: 100_000),
};

if (argumentError is not null || options.HelpRequested)
{
    var usage = BenchArguments.Usage(scenarios.Keys);
    if (argumentError is null)
    {
        Console.Write(usage);
        return 0;
    }

    Console.Error.WriteLine(argumentError);
    Console.Error.Write(usage);
    return 2;
}

var chosen = names.Length == 0 ? scenarios.Keys.ToArray() : names;
// Kafka scenarios are reported as ratios to the raw client measured in the same run, so it always runs first.
if (chosen.Any(name => name is "count" or "topology") && !chosen.Contains("passthrough", StringComparer.OrdinalIgnoreCase))
{
    chosen = ["passthrough", .. chosen];
}

var unknown = chosen.Where(name => !scenarios.ContainsKey(name)).ToArray();
if (unknown.Length > 0)
{
    Console.Error.WriteLine($"Unknown scenario(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", scenarios.Keys)}.");
    return 2;
}

using var kafkaLifetime = kafka = new KafkaScenarios(bootstrap);
queries = new QueryScenarios(kafka.Cluster, kafka.StateRoot);

#if DEBUG
Console.Error.WriteLine("warning: a Debug build measures nothing useful; run with -c Release.");
#endif

// Wall time per scenario, set-up included: what the whole run's time is made of.
var wallSeconds = new Dictionary<string, double>(StringComparer.Ordinal);
var runClock = Stopwatch.StartNew();
// The count's targets are ratios to the passthrough, whose own figures swing from run to run: the two alternate in
// rounds, each count compared with the passthrough of its round (PairedRounds).
var paired = chosen.Contains("count", StringComparer.OrdinalIgnoreCase);
foreach (var name in chosen)
{
    if (paired && name.Equals("count", StringComparison.OrdinalIgnoreCase))
    {
        continue;
    }

    Console.Error.WriteLine($"running {name} ...");
    var scenarioClock = Stopwatch.StartNew();
    results.AddRange(paired && name.Equals("passthrough", StringComparison.OrdinalIgnoreCase)
        ? PairedRounds.Run(rounds, scenarios["passthrough"], scenarios["count"])
        : scenarios[name]());
    wallSeconds[name] = Math.Round(scenarioClock.Elapsed.TotalSeconds, 1);
    Console.Error.WriteLine(FormattableString.Invariant($"{name} took {scenarioClock.Elapsed.TotalSeconds:F0} s"));
}

if (results.FirstOrDefault(r => r.Scenario == "passthrough") is { } ceiling)
{
    for (var i = 0; i < results.Count; i++)
    {
        if (results[i] is { Scenario: "count-streamiz" or "topology" } result)
        {
            results[i] = result with
            {
                Ratio = result.EventsPerSecond / ceiling.EventsPerSecond,
                CpuRatio = result.CpuSecondsPerMillionEvents / ceiling.CpuSecondsPerMillionEvents,
                Baseline = "passthrough",
            };
        }
    }
}

// The engine against the peer, per guarantee: throughput and CPU per event as ratios measured in this run.
for (var i = 0; i < results.Count; i++)
{
    if (results[i].Scenario == "count" && results.FirstOrDefault(r => r.Scenario == "count-streamiz" && r.Variant == results[i].Variant) is { Incomplete: false } peer)
    {
        var ours = results[i];
        results[i] = ours with
        {
            Notes = ScenarioResult.JoinNotes(ours.Notes, FormattableString.Invariant($"{ours.EventsPerSecond / peer.EventsPerSecond:F2}x Streamiz's throughput, ")
                + FormattableString.Invariant($"{peer.CpuSecondsPerMillionEvents / ours.CpuSecondsPerMillionEvents:F2}x fewer CPU seconds per event")),
        };
    }
}

var inv = CultureInfo.InvariantCulture;
Console.WriteLine($"{"scenario",-10} {"variant",-22} {"events",12} {"seconds",9} {"events/s",12} {"ratio",7} {"CPU s/M ev",11} {"CPU ratio",10} {"alloc B/ev",11} {"peak MB",8}");
foreach (var r in results)
{
    Console.WriteLine(string.Format(inv, "{0,-10} {1,-22} {2,12:N0} {3,9:F2} {4,12:N0} {5,7} {6,11} {7,10} {8,11} {9,8:F0}",
        r.Scenario, r.Variant, r.Events, r.Seconds, r.EventsPerSecond,
        r.Ratio is { } ratio ? ratio.ToString("F2", inv) : "-",
        r.CpuSecondsPerMillionEvents is { } cpu ? cpu.ToString("F1", inv) : "-",
        r.CpuRatio is { } cpuRatio ? cpuRatio.ToString("F2", inv) : "-",
        r.AllocatedBytesPerEvent is { } alloc ? alloc.ToString("F0", inv) : "-",
        r.PeakWorkingSetMb));
}

foreach (var r in results.Where(r => r.Latency is not null || r.Notes is not null))
{
    var latency = r.Latency is null ? "" : string.Join("; ", r.Latency.Select(l => $"{l.Key} {l.Value.Describe("records")}"));
    Console.WriteLine($"{r.Scenario}: {latency} {r.Notes}");
}

foreach (var r in results)
{
    Console.WriteLine(JsonSerializer.Serialize(r));
}

var resultsDirectory = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "results");
Directory.CreateDirectory(resultsDirectory);
var machine = new
{
    processors = Environment.ProcessorCount, os = Environment.OSVersion.ToString(), runtime = Environment.Version.ToString(), at = DateTimeOffset.UtcNow,
    cluster = kafka.Cluster.Kind,
    wall_seconds = Math.Round(runClock.Elapsed.TotalSeconds, 1),
    scenario_wall_seconds = wallSeconds,
};
var resultsFile = names.Length == 0 ? "latest.json" : "latest-partial.json";
File.WriteAllText(Path.Combine(resultsDirectory, resultsFile), JsonSerializer.Serialize(new { machine, results }, new JsonSerializerOptions { WriteIndented = true }));
return 0;
