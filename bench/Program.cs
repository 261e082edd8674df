using System.Globalization;
using System.Text.Json;
using Personalization.Bench;
using Personalization.Bench.Scenarios;

// dotnet run -c Release --project bench -- [scenario...]
// Each scenario reports its throughput next to a baseline measured in the same run, as a table and one JSON object
// per result; the results are also written to bench/results/latest.json.
var scenarios = new Dictionary<string, Func<IReadOnlyList<ScenarioResult>>>(StringComparer.OrdinalIgnoreCase)
{
    ["serde"] = () => SerdeScenario.Run(roundTrips: 2_000_000),
    ["features"] = () => TopologyDriverScenario.Run(events: 200_000),
    ["scoring"] = () => ScoringBatchScenario.Run(rows: 20_000),
};

var chosen = args.Length == 0 ? scenarios.Keys.ToArray() : args;
var unknown = chosen.Where(name => !scenarios.ContainsKey(name)).ToArray();
if (unknown.Length > 0)
{
    Console.Error.WriteLine($"Unknown scenario(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", scenarios.Keys)}.");
    return 2;
}

#if DEBUG
Console.Error.WriteLine("warning: a Debug build measures nothing useful; run with -c Release.");
#endif

var results = new List<ScenarioResult>();
foreach (var name in chosen)
{
    Console.Error.WriteLine($"running {name} ...");
    results.AddRange(scenarios[name]());
}

var inv = CultureInfo.InvariantCulture;
Console.WriteLine($"{"scenario",-10} {"variant",-22} {"events",12} {"seconds",9} {"events/s",12} {"ratio",7} {"alloc B/ev",11} {"peak MB",8}");
foreach (var r in results)
{
    Console.WriteLine(string.Format(inv, "{0,-10} {1,-22} {2,12:N0} {3,9:F2} {4,12:N0} {5,7} {6,11} {7,8:F0}",
        r.Scenario, r.Variant, r.Events, r.Seconds, r.EventsPerSecond,
        r.Ratio is { } ratio ? ratio.ToString("F2", inv) : "-",
        r.AllocatedBytesPerEvent is { } alloc ? alloc.ToString("F0", inv) : "-",
        r.PeakWorkingSetMb));
}

foreach (var r in results)
{
    Console.WriteLine(JsonSerializer.Serialize(r));
}

var resultsDirectory = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "results");
Directory.CreateDirectory(resultsDirectory);
var machine = new { processors = Environment.ProcessorCount, os = Environment.OSVersion.ToString(), runtime = Environment.Version.ToString(), at = DateTimeOffset.UtcNow };
File.WriteAllText(Path.Combine(resultsDirectory, "latest.json"), JsonSerializer.Serialize(new { machine, results }, new JsonSerializerOptions { WriteIndented = true }));
return 0;
