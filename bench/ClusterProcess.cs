using System.Diagnostics;
using Streams.Engine.Embedded;
using Streams.Engine.Runtime;

namespace Personalization.Bench;

/// <summary>
/// The embedded cluster in a child process, so the broker's own memory (the mock keeps every partition's data in
/// memory) and threads are not counted as the engine's. The child speaks a line protocol on stdin/stdout:
/// <c>CREATE &lt;topic&gt; &lt;partitions&gt;</c> → <c>OK</c>; end of input stops it.
/// </summary>
internal sealed class ClusterProcess : IBenchCluster
{
    public const string ServeArgument = "--serve-cluster";

    private readonly Process _process;
    private readonly object _gate = new();
    private readonly Dictionary<string, int> _topics = [];

    public ClusterProcess()
    {
        var start = new ProcessStartInfo("dotnet", [typeof(ClusterProcess).Assembly.Location, ServeArgument])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
        };
        // A profiler attached to the bench (dotnet-trace collect -- dotnet bench.dll) hands its diagnostic port down
        // through the environment; the broker is not what is being profiled, and a second runtime on that port stalls.
        start.Environment.Remove("DOTNET_DiagnosticPorts");
        _process = Process.Start(start)!;
        var line = _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("The cluster process exited before it started.");
        BootstrapServers = line.StartsWith("BOOTSTRAP ", StringComparison.Ordinal) ? line[10..] : throw new InvalidOperationException($"Unexpected answer from the cluster process: {line}");
        TopicAdmin = new Admin(this);
    }

    public string BootstrapServers { get; }

    public ITopicAdmin TopicAdmin { get; }

    public string Kind => "embedded";

    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    public void CreateTopic(string name, int partitions)
    {
        lock (_gate)
        {
            if (_topics.ContainsKey(name))
            {
                return;
            }

            _process.StandardInput.WriteLine($"CREATE {name} {partitions}");
            _process.StandardInput.Flush();
            var answer = _process.StandardOutput.ReadLine();
            if (answer != "OK")
            {
                throw new InvalidOperationException($"Creating topic {name} failed: {answer}");
            }

            _topics[name] = partitions;
        }
    }

    public void Dispose()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(10_000))
        {
            _process.Kill();
        }

        _process.Dispose();
    }

    /// <summary>The child's side: runs until its input ends.</summary>
    public static int Serve()
    {
        using var cluster = new EmbeddedKafkaCluster();
        Console.WriteLine($"BOOTSTRAP {cluster.BootstrapServers}");
        while (Console.ReadLine() is { } line)
        {
            var parts = line.Split(' ');
            try
            {
                cluster.CreateTopic(parts[1], int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture));
                Console.WriteLine("OK");
            }
            catch (Exception e) when (e is FormatException or IndexOutOfRangeException or InvalidOperationException)
            {
                Console.WriteLine($"ERROR {e.Message}");
            }
        }

        return 0;
    }

    private sealed class Admin(ClusterProcess cluster) : ITopicAdmin
    {
        public Task<IReadOnlyDictionary<string, int>> PartitionCountsAsync(IEnumerable<string> topics, CancellationToken cancellationToken)
        {
            lock (cluster._gate)
            {
                IReadOnlyDictionary<string, int> counts = topics.Where(cluster._topics.ContainsKey).ToDictionary(t => t, t => cluster._topics[t]);
                return Task.FromResult(counts);
            }
        }

        public Task CreateTopicsAsync(IEnumerable<TopicSpec> topics, CancellationToken cancellationToken)
        {
            foreach (var topic in topics)
            {
                cluster.CreateTopic(topic.Name, topic.Partitions);
            }

            return Task.CompletedTask;
        }
    }
}
