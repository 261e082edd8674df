using System.Collections.Concurrent;

namespace Streams.Engine.Metrics;

/// <summary>
/// The counters and gauges a running topology keeps. Processors and stores look their instruments up once, at init,
/// and update them without locks; the host reads <see cref="Snapshot"/> to export them (Prometheus, logs, tests).
/// </summary>
public sealed class StreamsMetrics
{
    private readonly ConcurrentDictionary<MetricKey, Counter> _counters = new();
    private readonly ConcurrentDictionary<MetricKey, Gauge> _gauges = new();
    private readonly ConcurrentDictionary<MetricKey, Histogram> _histograms = new();

    /// <summary>The counter with this name and label value, created on first use.</summary>
    /// <param name="name">One of <see cref="MetricNames"/>.</param>
    /// <param name="label">What the counter is about (a processor, store or topic name), or empty.</param>
    public Counter Counter(string name, string label = "") =>
        _counters.GetOrAdd(new MetricKey(name, label), static _ => new Counter());

    /// <summary>The gauge with this name and label value, created on first use.</summary>
    public Gauge Gauge(string name, string label = "") =>
        _gauges.GetOrAdd(new MetricKey(name, label), static _ => new Gauge());

    /// <summary>
    /// Called when a histogram is created, with its name and label; the observer it returns (if any) also receives
    /// every observation. A host sets it before the runtime starts, to feed its own metrics library.
    /// </summary>
    public Func<string, string, Action<double>?>? HistogramListener { get; set; }

    /// <summary>The histogram with this name and label value (seconds), created on first use.</summary>
    public Histogram Histogram(string name, string label = "") =>
        _histograms.GetOrAdd(
            new MetricKey(name, label),
            static (key, listener) => new Histogram(Metrics.Histogram.LatencyBuckets, listener?.Invoke(key.Name, key.Label)),
            HistogramListener);

    /// <summary>Every histogram by name and label.</summary>
    public IReadOnlyList<(string Name, string Label, Histogram Histogram)> Histograms() =>
        _histograms.Select(entry => (entry.Key.Name, entry.Key.Label, entry.Value)).ToList();

    /// <summary>The value of one counter, or 0 if it was never created.</summary>
    public long CounterValue(string name, string label = "") =>
        _counters.TryGetValue(new MetricKey(name, label), out var counter) ? counter.Value : 0;

    /// <summary>The sum of a counter over all its labels.</summary>
    public long CounterTotal(string name)
    {
        long total = 0;
        foreach (var (key, counter) in _counters)
        {
            if (key.Name == name)
            {
                total += counter.Value;
            }
        }

        return total;
    }

    /// <summary>All counters and gauges with their current values.</summary>
    public IReadOnlyList<MetricSample> Snapshot()
    {
        var samples = new List<MetricSample>(_counters.Count + _gauges.Count);
        foreach (var (key, counter) in _counters)
        {
            samples.Add(new MetricSample(key.Name, key.Label, counter.Value, IsCounter: true));
        }

        foreach (var (key, gauge) in _gauges)
        {
            samples.Add(new MetricSample(key.Name, key.Label, gauge.Value, IsCounter: false));
        }

        return samples;
    }

    private readonly record struct MetricKey(string Name, string Label);
}

/// <summary>A monotonically increasing count.</summary>
public sealed class Counter
{
    private long _value;

    /// <summary>The current count.</summary>
    public long Value => Volatile.Read(ref _value);

    /// <summary>Adds to the count.</summary>
    public void Increment(long by = 1) => Interlocked.Add(ref _value, by);
}

/// <summary>A value that goes up and down.</summary>
public sealed class Gauge
{
    private double _value;

    /// <summary>The current value.</summary>
    public double Value => Volatile.Read(ref _value);

    /// <summary>Sets the value.</summary>
    public void Set(double value) => Volatile.Write(ref _value, value);
}

/// <summary>
/// A distribution of observations in fixed buckets (cumulative counts by upper bound, as Prometheus histograms),
/// updated without locks.
/// </summary>
public sealed class Histogram(double[] upperBounds, Action<double>? listener = null)
{
    /// <summary>Bucket bounds for latencies in seconds: 1 ms to 60 s.</summary>
    public static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly long[] _counts = new long[upperBounds.Length + 1];
    private long _sumMicros;

    /// <summary>The upper bounds of the buckets; the last, implicit bucket is +Inf.</summary>
    public IReadOnlyList<double> UpperBounds => upperBounds;

    /// <summary>Number of observations.</summary>
    public long Count => _counts.Sum();

    /// <summary>Sum of the observations (microsecond precision).</summary>
    public double Sum => Volatile.Read(ref _sumMicros) / 1e6;

    /// <summary>Records one observation.</summary>
    public void Observe(double value)
    {
        var bucket = 0;
        while (bucket < upperBounds.Length && value > upperBounds[bucket])
        {
            bucket++;
        }

        Interlocked.Increment(ref _counts[bucket]);
        Interlocked.Add(ref _sumMicros, (long)(value * 1e6));
        listener?.Invoke(value);
    }
}

/// <summary>One metric value at snapshot time.</summary>
public readonly record struct MetricSample(string Name, string Label, double Value, bool IsCounter);

/// <summary>The names of the engine's metrics.</summary>
public static class MetricNames
{
    /// <summary>Records dropped because they arrived after their window closed (window end + grace); label: processor.</summary>
    public const string LateRecordsDropped = "late-records-dropped";

    /// <summary>Records dropped because a stateful step cannot use them (null key); label: processor.</summary>
    public const string NullKeyRecordsDropped = "null-key-records-dropped";

    /// <summary>Records skipped by the <c>skip</c> error policy; label: source topic.</summary>
    public const string RecordsSkipped = "records-skipped";

    /// <summary>Records sent to the dead-letter topic; label: source topic.</summary>
    public const string DeadLetters = "dead-letters";

    /// <summary>Records read by tasks; label: topic.</summary>
    public const string RecordsConsumed = "records-consumed";

    /// <summary>Records written by sinks (not changelogs); label: topic.</summary>
    public const string RecordsProduced = "records-produced";

    /// <summary>Punctuator runs; label: task.</summary>
    public const string Punctuations = "punctuations";

    /// <summary>Histogram, seconds from a record's event time to its output by a sink; label: output topic.</summary>
    public const string EndToEndLatency = "e2e-latency";

    /// <summary>Histogram, seconds a commit took; label: thread.</summary>
    public const string CommitLatency = "commit-latency";

    /// <summary>Rebalances a stream thread completed (one per assignment it received, even an unchanged one); label: thread.</summary>
    public const string Rebalances = "rebalances";

    /// <summary>Input partitions a stream thread gave up in rebalances (revoked or lost): how much work moved; label: thread.</summary>
    public const string PartitionsRevoked = "partitions-revoked";

    /// <summary>Gauge, changelog records still to restore; labels: store, task (as "store,task").</summary>
    public const string RestoreRemaining = "restore-remaining-records";

    /// <summary>Changelog records restored; labels: store, task.</summary>
    public const string RestoredRecords = "restored-records";

    /// <summary>
    /// Local stores wiped and rebuilt because their checkpoint did not match the changelog (past its end: the changelog
    /// was recreated, the application reset, or the cluster is another; or before its start); labels: store, task.
    /// </summary>
    public const string StoresWiped = "stores-wiped";
}
