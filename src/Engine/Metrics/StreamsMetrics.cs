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
