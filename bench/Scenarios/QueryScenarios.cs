using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Confluent.Kafka;
using HdrHistogram;
using Personalization.Simulation;
using Personalization.Topology.Records;

namespace Personalization.Bench.Scenarios;

/// <summary>
/// The query API as the site and bidders use it, on worker processes of one application (pods): lookups of random
/// active users at a fixed request rate against a random pod, timed at the client and split into local (the asked pod
/// holds the user) and routed (forwarded to the owner); the processing throughput with and without that load; and a
/// <c>kill -9</c> of a pod, timed until its users are answered again and its partitions processing again, with and
/// without a standby.
/// </summary>
internal sealed class QueryScenarios(IBenchCluster cluster, string stateRoot)
{
    private const int Partitions = 8;
    private static readonly TimeSpan AloneFor = TimeSpan.FromSeconds(10);
    private int _serial;

    /// <summary>Two pods; throughput with and without <paramref name="requestRate"/> lookups/s, then lookup latency at half that throughput.</summary>
    public IReadOnlyList<ScenarioResult> Queries(int users, int backlog, double requestRate, TimeSpan duration)
    {
        using var fleet = new WorkerFleet(cluster, $"queries{++_serial}", Partitions, Path.Combine(stateRoot, $"queries{_serial}"), new Dictionary<string, string>());
        fleet.Start(2);
        WaitShared(fleet);
        using var serdes = new RecordSerdes(RecordSchemas.LocalRegistry());
        var generator = new ClickstreamGenerator(new GeneratorOptions { Users = users, Seed = 11, Start = DateTimeOffset.UtcNow.AddHours(-1) })
            .Where(r => r.Event is not null).Select(r => r.Event!).GetEnumerator();
        var active = new HashSet<string>();

        // State first: every user active.
        Feed(fleet, serdes, generator, users * 2, active);
        var userIds = active.ToArray();

        var (quiet, _) = Drain(fleet, serdes, generator, backlog, load: null);
        var (loaded, loadedQueries) = Drain(fleet, serdes, generator, backlog, load: (requestRate, userIds));
        var half = backlog / quiet.TotalSeconds / 2;

        // Lookups alone, with the cores to themselves: each user asked at its owner (local), then at the other pod
        // (routed), for what one costs the pods and the client in CPU and how long it takes.
        var owners = Owners(fleet, userIds);
        var idleBefore = fleet.CpuTime();
        Thread.Sleep(TimeSpan.FromSeconds(5));
        var idleCpuPerSecond = (fleet.CpuTime() - idleBefore) / 5;
        ScenarioResult[] alone =
        [
            Alone(fleet, "local", userIds, owners, requestRate, idleCpuPerSecond, routed: false),
            Alone(fleet, "routed", userIds, owners, requestRate, idleCpuPerSecond, routed: true),
        ];

        using var stop = new CancellationTokenSource(duration);
        var queries = QueryLoad.Run(fleet.Ports, userIds, requestRate, stop.Token);
        var fed = FeedAtRate(fleet, serdes, generator, half, duration);
        var figures = queries.GetAwaiter().GetResult();
        var throughputRatio = quiet.TotalSeconds / loaded.TotalSeconds;
        return
        [
            .. alone,
            new ScenarioResult
            {
                Scenario = "queries", Variant = "throughput", Events = backlog, Seconds = loaded.TotalSeconds,
                Ratio = throughputRatio, Baseline = "no lookups",
                Notes = FormattableString.Invariant($"two pods, {Partitions} partitions, {userIds.Length:N0} users: {backlog / quiet.TotalSeconds:F0} events/s without lookups, ")
                    + FormattableString.Invariant($"{backlog / loaded.TotalSeconds:F0} with {loadedQueries.Rate:F0} lookups/s ({throughputRatio:P0})"),
            },
            new ScenarioResult
            {
                Scenario = "queries", Variant = "latency", Events = figures.Local.TotalCount + figures.Routed.TotalCount, Seconds = duration.TotalSeconds,
                Latency = new Dictionary<string, LatencyFigures> { ["local"] = Figures(figures.Local), ["routed"] = Figures(figures.Routed) },
                Notes = FormattableString.Invariant($"{figures.Rate:F0} lookups/s asked at {requestRate:F0} (random pod, random active user), ")
                    + FormattableString.Invariant($"while {fed:N0} events were fed at {half:F0}/s (half the throughput without lookups); ")
                    + FormattableString.Invariant($"status counts {string.Join(", ", figures.Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value:N0}"))}; ")
                    + "client-side HTTP round trips on the same 2 cores",
            },
        ];
    }

    /// <summary>
    /// What the web console costs the processing. Three pods of three applications, alike but for the console: disabled,
    /// enabled with nobody looking, and enabled with one person looking (the pipeline view polled every 2 s as the page
    /// does, and a user inspected, state and history, every 10 s). They drain the same backlogs in turn, one at a time,
    /// the order rotating each round so that none always goes first; each figure is the median of
    /// <paramref name="rounds"/> drains: CPU seconds of the pod per million events, and throughput.
    /// </summary>
    public IReadOnlyList<ScenarioResult> Console(int users, int backlog, int rounds)
    {
        string[] variants = ["disabled", "idle", "watched"];
        var pods = new List<(WorkerFleet Fleet, int Port, IEnumerator<ClickEvent> Events, string[] Users)>();
        using var serdes = new RecordSerdes(RecordSchemas.LocalRegistry());
        try
        {
            foreach (var variant in variants)
            {
                var settings = new Dictionary<string, string> { ["Console__Enabled"] = variant == "disabled" ? "false" : "true" };
                var fleet = new WorkerFleet(cluster, $"console{++_serial}", Partitions, Path.Combine(stateRoot, $"console{_serial}"), settings);
                var port = fleet.Start();
                WaitShared(fleet);
                var events = new ClickstreamGenerator(new GeneratorOptions { Users = users, Seed = 17, Start = DateTimeOffset.UtcNow.AddHours(-1) })
                    .Where(r => r.Event is not null).Select(r => r.Event!).GetEnumerator();
                var active = new HashSet<string>();
                Feed(fleet, serdes, events, users * 2, active);
                pods.Add((fleet, port, events, [.. active]));
            }

            var drains = variants.Select(_ => new List<(double Seconds, double Cpu)>()).ToArray();
            var inspections = 0;
            for (var round = 0; round < rounds; round++)
            {
                for (var k = 0; k < variants.Length; k++)
                {
                    var i = (round + k) % variants.Length;
                    var pod = pods[i];
                    using var stop = new CancellationTokenSource();
                    var viewer = variants[i] == "watched" ? ConsoleViewer.Run(pod.Port, pod.Users, stop.Token) : Task.FromResult(0);
                    var before = pod.Fleet.CpuTime();
                    var (elapsed, _) = Drain(pod.Fleet, serdes, pod.Events, backlog, load: null);
                    drains[i].Add((elapsed.TotalSeconds, (pod.Fleet.CpuTime() - before).TotalSeconds));
                    stop.Cancel();
                    inspections += viewer.GetAwaiter().GetResult();
                }
            }

            var results = variants.Select((variant, i) =>
            {
                var seconds = Median(drains[i].Select(d => d.Seconds));
                var cpu = Median(drains[i].Select(d => d.Cpu));
                return new ScenarioResult
                {
                    Scenario = "console", Variant = variant, Events = backlog, Seconds = seconds, CpuSeconds = cpu,
                    Notes = FormattableString.Invariant($"one pod, {Partitions} partitions, {users:N0} users; the median of {rounds} drains of {backlog:N0} events ")
                        + FormattableString.Invariant($"(CPU s per drain {string.Join(" / ", drains[i].Select(d => d.Cpu.ToString("F2", CultureInfo.InvariantCulture)))})")
                        + (variant == "watched" ? FormattableString.Invariant($"; {inspections} user inspections (state and history) while it drained") : ""),
                };
            }).ToList();
            var disabled = results[0];
            return [disabled, .. results.Skip(1).Select(r => r with
            {
                Ratio = r.EventsPerSecond / disabled.EventsPerSecond, Baseline = "console disabled",
                Notes = ScenarioResult.JoinNotes(
                    r.Notes, FormattableString.Invariant($"CPU per event {r.CpuSecondsPerMillionEvents / disabled.CpuSecondsPerMillionEvents:F2}x the disabled console's")),
            })];
        }
        finally
        {
            pods.ForEach(pod => pod.Fleet.Dispose());
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>
    /// Two pods with <paramref name="users"/> users of state and <paramref name="standbys"/> standby replicas; one is
    /// killed. Times until every sampled user of its partitions is answered by the survivor, and until the survivor runs
    /// all partitions.
    /// </summary>
    public ScenarioResult Failover(int users, int standbys, int partitions)
    {
        // The group notices the dead pod after the session timeout; the manifests use static membership and 120 s, for
        // which the standby's answers are what keeps the users served. The mock takes 3 s; a real broker refuses less
        // than the fleet's 6 s.
        var sessionTimeoutMs = cluster.Kind == "embedded" ? 3_000 : WorkerFleet.SessionTimeoutMs;
        var settings = WorkerFleet.SessionSettings(sessionTimeoutMs);
        settings["Streams__NumStandbyReplicas"] = standbys.ToString(CultureInfo.InvariantCulture);
        using var fleet = new WorkerFleet(cluster, $"failover{++_serial}", partitions, Path.Combine(stateRoot, $"failover{_serial}"), settings);
        var pods = fleet.Start(2);
        var (survivor, victim) = (pods[0], pods[1]);
        WaitShared(fleet);
        using var serdes = new RecordSerdes(RecordSchemas.LocalRegistry());
        var start = DateTimeOffset.UtcNow.AddMinutes(-5);
        var views = Enumerable.Range(0, users).Select(user => new ClickEvent
        {
            EventId = $"f-{user}", UserId = $"user-{user:D7}", SessionId = $"s-{user}", Type = EventType.ProductView, Timestamp = start,
            ItemId = $"item-{user % 20_000}", Category = $"category-{user % 200}", Price = 10, DeviceId = $"d-{user}", Country = "DE",
        }).GetEnumerator();
        var loadClock = Stopwatch.StartNew();
        Feed(fleet, serdes, views, users, active: null);
        var loadSeconds = loadClock.Elapsed.TotalSeconds;
        if (standbys > 0)
        {
            WaitFor(() => WorkerFleet.Scrape(fleet.Ports, "streams_tasks{state=\"standby\"}") >= fleet.Tasks
                && WorkerFleet.Scrape(fleet.Ports, "streams_standby_lag_records") == 0, TimeSpan.FromMinutes(5), "standbys in sync");
        }

        // Users of the victim's partitions, found by asking the survivor where they live.
        using var http = new HttpClient { BaseAddress = new Uri(WorkerFleet.Endpoint(survivor)), Timeout = TimeSpan.FromSeconds(5) };
        var victimEndpoint = WorkerFleet.Endpoint(victim);
        var probes = Enumerable.Range(0, 2_000).Select(i => $"user-{i * (users / 2_000):D7}")
            .Where(user => http.GetStringAsync($"/v1/users/{user}").GetAwaiter().GetResult().Contains(victimEndpoint, StringComparison.Ordinal))
            .Take(200).ToList();
        // Consumed is not yet in the changelog: at-least-once writes a store's changes out when the record cache fills or
        // the thread commits (every 30 s), and only then can a standby apply them. Until then a kill loses nothing (the
        // survivor processes the records again) but the standby has nothing to answer with, so wait for it to hold the
        // sampled users, as a pod that has run a while would.
        var held = Stopwatch.StartNew();
        if (standbys > 0)
        {
            WaitFor(() => probes.All(user => StandbyHolds(http, user)), TimeSpan.FromMinutes(2), "the survivor's standbys to hold the sampled users");
        }

        var heldAfter = held.Elapsed;
        var restoredBefore = WorkerFleet.Scrape([survivor], "streams_restored_records_total");

        fleet.Kill(victim);
        var clock = Stopwatch.StartNew();
        var pending = new HashSet<string>(probes);
        var fromStandby = 0;
        while (pending.Count > 0 && clock.Elapsed < TimeSpan.FromMinutes(5))
        {
            foreach (var user in pending.ToList())
            {
                using var response = http.GetAsync($"/v1/users/{user}").GetAwaiter().GetResult();
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    pending.Remove(user);
                    fromStandby += response.Content.ReadAsStringAsync().GetAwaiter().GetResult().Contains("\"source\":\"standby\"", StringComparison.Ordinal) ? 1 : 0;
                }
            }

            Thread.Sleep(10);
        }

        var served = clock.Elapsed;
        WorkerFleet.WaitReady(survivor, TimeSpan.FromMinutes(5), tasks: fleet.Tasks);
        var processing = clock.Elapsed;
        var restored = WorkerFleet.Scrape([survivor], "streams_restored_records_total") - restoredBefore;
        return new ScenarioResult
        {
            Scenario = "failover", Variant = standbys > 0 ? $"{standbys} standby" : "no standby", Events = users, Seconds = processing.TotalSeconds,
            Notes = FormattableString.Invariant($"{users:N0} users over {partitions} partitions (loaded in {loadSeconds:F0} s")
                + (standbys > 0 ? FormattableString.Invariant($", in the standbys' changelogs {heldAfter.TotalSeconds:F0} s later") : "")
                + "), kill -9 of one of two pods: "
                + FormattableString.Invariant($"its users answered again after {served.TotalSeconds:F1} s ({fromStandby} of {probes.Count} sampled by a standby), ")
                + FormattableString.Invariant($"all partitions processing again after {processing.TotalSeconds:F1} s (session timeout {sessionTimeoutMs / 1000} s), ")
                + FormattableString.Invariant($"{restored:N0} changelog records restored on takeover"),
        };
    }

    /// <summary>Whether the instance behind <paramref name="http"/> answers <paramref name="user"/> from a standby replica.</summary>
    private static bool StandbyHolds(HttpClient http, string user)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/users/{user}");
        request.Headers.Add("X-Streams-Forwarded", "standby");
        using var response = http.Send(request);
        return response.StatusCode == HttpStatusCode.OK;
    }

    /// <summary>The pod (index) that answers each user from its own stores.</summary>
    private static int[] Owners(WorkerFleet fleet, string[] users)
    {
        using var http = new HttpClient { BaseAddress = new Uri(WorkerFleet.Endpoint(fleet.Ports[0])) };
        var endpoints = fleet.Ports.Select(WorkerFleet.Endpoint).ToList();
        var owners = new int[users.Length];
        // Asked a few at a time: one by one, the lookups of every active user took a dozen seconds of the run.
        Parallel.For(0, users.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var body = http.GetStringAsync($"/v1/users/{users[i]}").GetAwaiter().GetResult();
            owners[i] = endpoints.FindIndex(endpoint => body.Contains($"\"endpoint\":\"{endpoint}\"", StringComparison.Ordinal));
        });
        return owners;
    }

    private ScenarioResult Alone(WorkerFleet fleet, string variant, string[] users, int[] owners, double rate, TimeSpan idleCpuPerSecond, bool routed)
    {
        var (workersBefore, clusterBefore, client) = (fleet.CpuTime(), cluster.CpuTime(), CpuClock.Start());
        using var alone = new CancellationTokenSource(AloneFor);
        var figures = QueryLoad.Run(fleet.Ports, (random, pods) =>
        {
            var index = random.Next(users.Length);
            return ((owners[index] + (routed ? 1 : 0)) % pods, users[index]);
        }, rate, alone.Token).GetAwaiter().GetResult();
        var histogram = routed ? figures.Routed : figures.Local;
        var lookups = figures.Local.TotalCount + figures.Routed.TotalCount;
        var pods = fleet.CpuTime() - workersBefore;
        return new ScenarioResult
        {
            Scenario = "queries", Variant = $"{variant}-only", Events = lookups, Seconds = AloneFor.TotalSeconds,
            Latency = new Dictionary<string, LatencyFigures> { [variant] = Figures(histogram) },
            Notes = FormattableString.Invariant($"{figures.Rate:F0} lookups/s asked at {rate:F0}, no events fed; CPU per lookup: ")
                + FormattableString.Invariant($"pods {pods.TotalMicroseconds / lookups:F0} µs ({(pods - idleCpuPerSecond * AloneFor.TotalSeconds).TotalMicroseconds / lookups:F0} µs above their idle ")
                + FormattableString.Invariant($"{idleCpuPerSecond.TotalMilliseconds / 10:F0}% of a core), client {client.Elapsed.TotalMicroseconds / lookups:F0} µs, ")
                + FormattableString.Invariant($"cluster {(cluster.CpuTime() - clusterBefore).TotalMicroseconds / lookups:F0} µs"),
        };
    }

    private static void WaitShared(WorkerFleet fleet) =>
        WaitFor(() => fleet.Ports.All(port => WorkerFleet.Scrape([port], "streams_tasks{state=\"running\"}") > 0)
            && WorkerFleet.Scrape(fleet.Ports, "streams_tasks{state=\"running\"}") == fleet.Tasks,
            TimeSpan.FromMinutes(2), "both pods to run their share of the tasks");

    private static void WaitFor(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            Thread.Sleep(200);
        }
    }

    private static long Consumed(WorkerFleet fleet) =>
        (long)WorkerFleet.Scrape(fleet.Ports, $"streams_records_consumed_total{{topic=\"{fleet.Topics.Clickstream}\"}}");

    /// <summary>Feeds <paramref name="count"/> events a bounded distance ahead of consumption (the mock keeps little per partition) and waits until all are consumed.</summary>
    private void Feed(WorkerFleet fleet, RecordSerdes serdes, IEnumerator<ClickEvent> events, int count, HashSet<string>? active)
    {
        var baseline = Consumed(fleet);
        using var producer = Producer();
        var context = new SerializationContext(MessageComponentType.Value, fleet.Topics.Clickstream);
        var produced = 0;
        while (produced < count && events.MoveNext())
        {
            var e = events.Current;
            active?.Add(e.UserId);
            producer.Produce(fleet.Topics.Clickstream, new Message<byte[], byte[]>
            {
                Key = Encoding.UTF8.GetBytes(e.UserId), Value = serdes.ClickEvent.Serialize(e, context), Timestamp = new Timestamp(e.Timestamp),
            });
            if (++produced % 10_000 == 0)
            {
                producer.Flush(TimeSpan.FromSeconds(30));
                WaitFor(() => produced - (Consumed(fleet) - baseline) < 40_000, TimeSpan.FromMinutes(5), "the pods to keep up");
            }
        }

        producer.Flush(TimeSpan.FromSeconds(30));
        WaitFor(() => Consumed(fleet) - baseline >= produced, TimeSpan.FromMinutes(5), "the pods to consume what was fed");
    }

    /// <summary>A backlog fed at once, then drained; with <paramref name="load"/>, under that lookup load.</summary>
    private (TimeSpan Elapsed, QueryLoad.Figures Queries) Drain(
        WorkerFleet fleet, RecordSerdes serdes, IEnumerator<ClickEvent> events, int backlog, (double Rate, string[] Users)? load)
    {
        var baseline = Consumed(fleet);
        using (var producer = Producer())
        {
            var context = new SerializationContext(MessageComponentType.Value, fleet.Topics.Clickstream);
            for (var i = 0; i < backlog && events.MoveNext(); i++)
            {
                var e = events.Current;
                producer.Produce(fleet.Topics.Clickstream, new Message<byte[], byte[]>
                {
                    Key = Encoding.UTF8.GetBytes(e.UserId), Value = serdes.ClickEvent.Serialize(e, context), Timestamp = new Timestamp(e.Timestamp),
                });
            }

            producer.Flush(TimeSpan.FromSeconds(60));
        }

        using var stop = new CancellationTokenSource();
        var queries = load is { } l ? QueryLoad.Run(fleet.Ports, l.Users, l.Rate, stop.Token) : null;
        var clock = Stopwatch.StartNew();
        WaitFor(() => Consumed(fleet) - baseline >= backlog, TimeSpan.FromMinutes(5), "the backlog to drain");
        var elapsed = clock.Elapsed;
        stop.Cancel();
        return (elapsed, queries?.GetAwaiter().GetResult() ?? new QueryLoad.Figures(new LongHistogram(1000, 2), new LongHistogram(1000, 2), 0, []));
    }

    private long FeedAtRate(WorkerFleet fleet, RecordSerdes serdes, IEnumerator<ClickEvent> events, double rate, TimeSpan duration)
    {
        using var producer = Producer();
        var context = new SerializationContext(MessageComponentType.Value, fleet.Topics.Clickstream);
        var clock = Stopwatch.StartNew();
        var produced = 0L;
        while (clock.Elapsed < duration && events.MoveNext())
        {
            var e = events.Current with { Timestamp = DateTimeOffset.UtcNow };
            producer.Produce(fleet.Topics.Clickstream, new Message<byte[], byte[]>
            {
                Key = Encoding.UTF8.GetBytes(e.UserId), Value = serdes.ClickEvent.Serialize(e, context), Timestamp = new Timestamp(e.Timestamp),
            });
            produced++;
            var ahead = TimeSpan.FromSeconds(produced / rate) - clock.Elapsed;
            if (ahead > TimeSpan.FromMilliseconds(2))
            {
                Thread.Sleep(ahead);
            }
        }

        producer.Flush(TimeSpan.FromSeconds(30));
        return produced;
    }

    private IProducer<byte[], byte[]> Producer() =>
        new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, LingerMs = 20, Partitioner = Partitioner.Murmur2Random }).Build();

    private static LatencyFigures Figures(LongHistogram histogram) => histogram.TotalCount == 0
        ? new LatencyFigures(0, 0, 0, 0)
        : new LatencyFigures(
            histogram.GetValueAtPercentile(50) / 1000.0, histogram.GetValueAtPercentile(99) / 1000.0, histogram.GetValueAtPercentile(99.9) / 1000.0, histogram.TotalCount);
}
