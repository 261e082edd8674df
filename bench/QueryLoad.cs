using System.Diagnostics;
using HdrHistogram;

namespace Personalization.Bench;

/// <summary>
/// Lookups at a fixed rate, open loop (a slow answer does not slow the next request down), each of a random user at a
/// random pod, timed from the request to the last byte of the answer and split by whether the asked pod answered from
/// its own stores (local) or forwarded it (routed).
/// </summary>
internal static class QueryLoad
{
    private const int MaxInFlight = 256;

    public sealed record Figures(LongHistogram Local, LongHistogram Routed, double Rate, Dictionary<int, long> Statuses);

    public static Task<Figures> Run(IReadOnlyList<int> ports, string[] users, double rate, CancellationToken stop) =>
        Run(ports, (random, endpoints) => (random.Next(endpoints), users[random.Next(users.Length)]), rate, stop);

    /// <summary>Lookups chosen by <paramref name="choose"/>: which pod (index into <paramref name="ports"/>) to ask for which user.</summary>
    public static async Task<Figures> Run(IReadOnlyList<int> ports, Func<Random, int, (int Pod, string User)> choose, double rate, CancellationToken stop)
    {
        var local = new LongHistogram(TimeSpan.FromSeconds(10).Ticks / 10, 3);
        var routed = new LongHistogram(TimeSpan.FromSeconds(10).Ticks / 10, 3);
        var statuses = new Dictionary<int, long>();
        var endpoints = ports.Select(WorkerFleet.Endpoint).ToArray();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = MaxInFlight, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        using var slots = new SemaphoreSlim(MaxInFlight);
        var random = new Random(3);
        var clock = Stopwatch.StartNew();
        var issued = 0L;
        var running = new List<Task>();
        while (!stop.IsCancellationRequested)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * rate);
            while (issued < due && !stop.IsCancellationRequested)
            {
                issued++;
                var (target, user) = choose(random, endpoints.Length);
                await slots.WaitAsync(CancellationToken.None);
                running.Add(One(http, endpoints[target], user, local, routed, statuses, slots));
            }

            running.RemoveAll(task => task.IsCompleted);
            await Task.Delay(1, CancellationToken.None);
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        await Task.WhenAll(running);
        return new Figures(local, routed, issued / elapsed, statuses);
    }

    private static async Task One(
        HttpClient http, string endpoint, string user, LongHistogram local, LongHistogram routed, Dictionary<int, long> statuses, SemaphoreSlim slots)
    {
        try
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await http.GetAsync($"{endpoint}/v1/users/{user}");
            var body = await response.Content.ReadAsStringAsync();
            var micros = (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            var answeredHere = body.Contains($"\"endpoint\":\"{endpoint}\"", StringComparison.Ordinal);
            lock (statuses)
            {
                statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
                (answeredHere ? local : routed).RecordValue(Math.Min(micros, local.HighestTrackableValue));
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            lock (statuses)
            {
                statuses[0] = statuses.GetValueOrDefault(0) + 1;
            }
        }
        finally
        {
            slots.Release();
        }
    }
}
