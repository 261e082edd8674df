using System.Globalization;
using System.Text;

namespace Personalization.Bench;

/// <summary>
/// The harness's command line: scenario names and options. An option it does not know, or a value it cannot read,
/// stops the run before anything starts: a misspelt option would otherwise measure the defaults under a name that
/// claims something else, and a bare <c>--help</c> would start the whole eleven-minute run.
/// </summary>
internal sealed class BenchArguments
{
    private static readonly (string Name, string Value, string Help)[] ValuedOptions =
    [
        ("--bootstrap", "host:port", "run the Kafka scenarios against this cluster instead of the embedded one"),
        ("--client", "key=value", "a librdkafka setting for every client of the scenarios (repeatable)"),
        ("--rounds", "N", "rounds of the passthrough and the count, alternating; the median round is reported (3)"),
        ("--threads", "N", "stream threads of the engine (1)"),
        ("--cache-bytes", "N", "the engine's record cache per thread (the engine's default)"),
        ("--commit-interval-ms", "N", "the engine's commit interval (the guarantee's default)"),
        ("--idle-commit-ms", "N", "exactly-once runtimes also commit once caught up, N ms after their last commit (off; latency runs with and without 20)"),
        ("--rocksdb-cache-mb", "N", "RocksDB's shared block cache (the engine's default)"),
        ("--latency-rate", "N", "events/s for latency and triggers (half the exactly-once topology's throughput)"),
        ("--latency-seconds", "N", "length of each latency variant (30)"),
        ("--memory-minutes", "N", "continuation of the memory scenario after the users are loaded (1)"),
        ("--memory-users", "N", "users loaded by the memory scenario (1000000)"),
        ("--query-rate", "N", "requests/s of the queries scenario (5000)"),
        ("--failover-users", "N", "users whose state the failover scenario moves (100000)"),
        ("--console-events", "N", "events per round of the console scenario (40000)"),
        ("--console-rounds", "N", "rounds of the console scenario (3)"),
        ("--decision-rate", "N", "bandit decisions per second of event time in the reward-join scenario (400)"),
    ];

    private static readonly (string Name, string Help)[] FlagOptions =
    [
        ("--no-triggers", "the topology without its trigger paths"),
        ("--isolated", "run the memory scenario in this process (the harness starts one for it otherwise)"),
    ];

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private BenchArguments()
    {
    }

    /// <summary>Scenario names in the order given; empty means every scenario.</summary>
    public IReadOnlyList<string> Scenarios { get; private set; } = [];

    /// <summary>The <c>--client</c> settings in the order given.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ClientSettings { get; private set; } = [];

    public bool HelpRequested { get; private set; }

    /// <exception cref="ArgumentException">An unknown option, a missing value, or a value that is not what the option takes.</exception>
    public static BenchArguments Parse(IReadOnlyList<string> args)
    {
        var parsed = new BenchArguments();
        var scenarios = new List<string>();
        var client = new List<KeyValuePair<string, string>>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h")
            {
                parsed.HelpRequested = true;
            }
            else if (Array.Exists(FlagOptions, flag => flag.Name == arg))
            {
                parsed._flags.Add(arg);
            }
            else if (Array.FindIndex(ValuedOptions, option => option.Name == arg) is var index and >= 0)
            {
                if (i + 1 >= args.Count)
                {
                    throw new ArgumentException($"{arg} needs a value ({ValuedOptions[index].Value}).");
                }

                var value = args[++i];
                if (ValuedOptions[index].Value == "N" && !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    throw new ArgumentException($"{arg} takes a whole number, not '{value}'.");
                }

                if (arg == "--client")
                {
                    var parts = value.Split('=', 2);
                    if (parts.Length != 2 || parts[0].Length == 0)
                    {
                        throw new ArgumentException($"--client takes key=value, not '{value}'.");
                    }

                    client.Add(new(parts[0], parts[1]));
                }
                else
                {
                    parsed._values[arg] = value;
                }
            }
            else if (arg.StartsWith('-'))
            {
                throw new ArgumentException($"Unknown option '{arg}'.");
            }
            else
            {
                scenarios.Add(arg);
            }
        }

        parsed.Scenarios = scenarios;
        parsed.ClientSettings = client;
        return parsed;
    }

    public static string Usage(IEnumerable<string> scenarios)
    {
        var usage = new StringBuilder()
            .AppendLine("usage: dotnet run -c Release --project bench -- [scenario ...] [option ...]")
            .AppendLine(CultureInfo.InvariantCulture, $"scenarios (all when none is named): {string.Join(", ", scenarios)}")
            .AppendLine("options:");
        foreach (var (name, value, help) in ValuedOptions)
        {
            usage.AppendLine(CultureInfo.InvariantCulture, $"  {name + " " + value,-32} {help}");
        }

        foreach (var (name, help) in FlagOptions)
        {
            usage.AppendLine(CultureInfo.InvariantCulture, $"  {name,-32} {help}");
        }

        return usage.ToString();
    }

    public bool Has(string option) => _flags.Contains(option) || _values.ContainsKey(option);

    public int Int(string option, int fallback) =>
        _values.TryGetValue(option, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public string? Text(string option) => _values.GetValueOrDefault(option);
}
