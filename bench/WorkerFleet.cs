using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Personalization.Topology;
using Personalization.Topology.Records;
using Personalization.Topology.Scoring;

namespace Personalization.Bench;

/// <summary>
/// Worker processes of one application on the bench's cluster, as pods of one deployment: the shipped binary, its
/// configuration by environment variables, its HTTP port. Topics are created here (the mock has no CreateTopics), the
/// changelogs, repartition topics and the instance directory included.
/// </summary>
internal sealed class WorkerFleet : IDisposable
{
    private readonly string _stateRoot;
    private readonly Dictionary<string, string> _environment;
    private readonly List<(Process Process, int Port)> _workers = [];
    private readonly List<StreamWriter> _logs = [];

    public WorkerFleet(IBenchCluster cluster, string name, int partitions, string stateRoot, IReadOnlyDictionary<string, string> settings)
    {
        _stateRoot = stateRoot;
        Topics = new TopicOptions
        {
            Clickstream = $"{name}.events.clickstream", Decisions = $"{name}.bandit.decisions", Rewards = $"{name}.bandit.rewards", Forget = $"{name}.users.forget",
            Features = $"{name}.features.user", FraudScores = $"{name}.scores.fraud", PropensityScores = $"{name}.scores.propensity",
            Training = $"{name}.bandit.training", Attributes = $"{name}.users.attributes", DeadLetters = $"{name}.events.dlq",
            Catalog = $"{name}.catalog.items", Triggers = $"{name}.triggers.outbound",
        };
        foreach (var (topic, _) in Topics.All())
        {
            cluster.CreateTopic(topic, partitions);
        }

        var application = $"bench-{name}";
        using var models = new ModelDirectory(new ModelOptions { Directory = Path.GetTempPath() });
        using var serdes = new RecordSerdes(RecordSchemas.LocalRegistry());
        var options = new PersonalizationOptions { Topics = Topics };
        var description = new PersonalizationTopology(options, serdes, models, new FraudGuardrail(options.Scoring)).Build().Describe();
        foreach (var topic in description.InternalTopics(application))
        {
            cluster.CreateTopic(topic, partitions);
        }

        // Every topic has the same partition count, so each sub-topology (users, items) runs one task per partition.
        Tasks = partitions * description.Subtopologies.Count;

        cluster.CreateTopic($"{application}-instances", 1);
        _environment = new Dictionary<string, string>
        {
            ["Kafka__BootstrapServers"] = cluster.BootstrapServers,
            ["Streams__ApplicationId"] = application,
            ["Topics__Partitions"] = partitions.ToString(CultureInfo.InvariantCulture),
            ["Models__Directory"] = Path.Combine(AppContext.BaseDirectory, "models"),
            ["MALLOC_ARENA_MAX"] = "2",
        };
        foreach (var (key, value) in SessionSettings(SessionTimeoutMs))
        {
            _environment[key] = value;
        }

        foreach (var topic in TopicCatalog.All)
        {
            _environment[$"Topics__{topic.Option}"] = topic.NameIn(Topics);
        }

        foreach (var (key, value) in settings)
        {
            _environment[key] = value;
        }
    }

    /// <summary>
    /// The pods' consumer group session timeout. The mock cluster holds a rebalance open for the session timeout less a
    /// second when a member joins a group that has one: with the client's 45 s default, each of the two rebalances that
    /// let a second pod in took 44 s of the bench's time. 6 s is the smallest a real broker accepts by default
    /// (group.min.session.timeout.ms). The heartbeat is a sixth of it.
    /// </summary>
    public const int SessionTimeoutMs = 6_000;

    /// <summary>A pod's settings for a consumer group session timeout, with a heartbeat of a sixth of it.</summary>
    public static Dictionary<string, string> SessionSettings(int sessionTimeoutMs) => new()
    {
        ["Kafka__Client__session.timeout.ms"] = sessionTimeoutMs.ToString(CultureInfo.InvariantCulture),
        ["Kafka__Client__heartbeat.interval.ms"] = (sessionTimeoutMs / 6).ToString(CultureInfo.InvariantCulture),
    };

    public TopicOptions Topics { get; }

    /// <summary>The tasks the fleet runs between its workers (standbys aside).</summary>
    public int Tasks { get; }

    public IReadOnlyList<int> Ports => _workers.Select(w => w.Port).ToList();

    public static string Endpoint(int port) => $"http://127.0.0.1:{port}";

    /// <summary>Starts one more worker and waits until it is ready.</summary>
    public int Start() => Start(1)[0];

    /// <summary>
    /// Starts <paramref name="pods"/> more workers at once, as a deployment's replicas start, and waits until each is
    /// ready. Started one after the other, the first opens every task's stores and then hands half of them over.
    /// </summary>
    public IReadOnlyList<int> Start(int pods)
    {
        var ports = Enumerable.Range(0, pods).Select(_ => Launch()).ToList();
        foreach (var port in ports)
        {
            WaitReady(port, TimeSpan.FromMinutes(2));
        }

        return ports;
    }

    private int Launch()
    {
        var port = FreePort();
        var index = _workers.Count;
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Personalization.Worker.dll"), "run"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        Directory.CreateDirectory(_stateRoot);
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["Http__Port"] = port.ToString(CultureInfo.InvariantCulture);
        start.Environment["Streams__ApplicationServer"] = Endpoint(port);
        start.Environment["Streams__StateDir"] = Path.Combine(_stateRoot, $"worker-{index}");
        start.Environment.Remove("DOTNET_DiagnosticPorts");
        var process = Process.Start(start)!;
        // Logs are drained so the worker never blocks on a full pipe, into a file next to its state for diagnosis.
        var log = new StreamWriter(Path.Combine(_stateRoot, $"worker-{index}.log")) { AutoFlush = true };
        _logs.Add(log);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (log)
                {
                    log.WriteLine(line);
                }
            }
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) { Console.Error.WriteLine($"worker-{index}: {line}"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _workers.Add((process, port));
        return port;
    }

    /// <summary>Waits until the worker on <paramref name="port"/> reports ready with at least <paramref name="tasks"/> tasks.</summary>
    public static TimeSpan WaitReady(int port, TimeSpan timeout, int tasks = 0)
    {
        using var http = new HttpClient { BaseAddress = new Uri(Endpoint(port)), Timeout = TimeSpan.FromSeconds(5) };
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < timeout)
        {
            try
            {
                using var response = http.GetAsync("/healthz/ready").GetAwaiter().GetResult();
                var body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
                if (response.StatusCode == HttpStatusCode.OK && TaskCount(body) >= tasks)
                {
                    return stopwatch.Elapsed;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Thread.Sleep(50);
        }

        throw new TimeoutException($"The worker on port {port} was not ready with {tasks} tasks within {timeout}.");
    }

    /// <summary>CPU time (user + system) the running workers have used so far.</summary>
    public TimeSpan CpuTime()
    {
        var total = TimeSpan.Zero;
        foreach (var (process, _) in _workers.Where(w => !w.Process.HasExited))
        {
            process.Refresh();
            total += process.TotalProcessorTime;
        }

        return total;
    }

    /// <summary>SIGKILL: no commit, no goodbye.</summary>
    public void Kill(int port)
    {
        var (process, _) = _workers.Single(w => w.Port == port);
        process.Kill();
        process.WaitForExit();
    }

    /// <summary>The sum of a metric's samples whose line starts with <paramref name="series"/>, across the given workers.</summary>
    public static double Scrape(IEnumerable<int> ports, string series)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var total = 0.0;
        foreach (var port in ports)
        {
            var text = http.GetStringAsync($"{Endpoint(port)}/metrics").GetAwaiter().GetResult();
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith(series, StringComparison.Ordinal))
                {
                    total += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
                }
            }
        }

        return total;
    }

    public void Dispose()
    {
        foreach (var (process, _) in _workers)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }

            process.Dispose();
        }

        foreach (var log in _logs)
        {
            lock (log)
            {
                log.Dispose();
            }
        }
    }

    private static int TaskCount(string readyBody)
    {
        var at = readyBody.IndexOf("\"tasks\":", StringComparison.Ordinal);
        if (at < 0)
        {
            return 0;
        }

        var digits = new string(readyBody.AsSpan(at + 8).ToArray().TakeWhile(char.IsAsciiDigit).ToArray());
        return int.TryParse(digits, CultureInfo.InvariantCulture, out var count) ? count : 0;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
