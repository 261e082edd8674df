using System.Collections.Concurrent;

namespace Streams.Engine.Metrics;

/// <summary>
/// The counters, gauges and histograms a running topology keeps, by metric and label values. Processors and stores
/// look their instruments up once, at init, and update them without locks; the host reads <see cref="Snapshot"/> to
/// export them (Prometheus, logs, tests).
/// </summary>
public sealed class StreamsMetrics
{
    // Label values are kept joined with a character no topic, store or task name contains, so one lookup finds them.
    private const char Separator = '\u001f';

    private readonly ConcurrentDictionary<MetricKey, Counter> _counters = new();
    private readonly ConcurrentDictionary<MetricKey, Gauge> _gauges = new();
    private readonly ConcurrentDictionary<MetricKey, Histogram> _histograms = new();

    /// <summary>
    /// Called when a histogram is created, with its metric and label values; the observer it returns (if any) also
    /// receives every observation. A host sets it before the runtime starts, to feed its own metrics library.
    /// </summary>
    public Func<MetricDescriptor, IReadOnlyList<string>, Action<double>?>? HistogramListener { get; set; }

    /// <summary>The counter of <paramref name="metric"/> with these label values, created on first use.</summary>
    public Counter Counter(MetricDescriptor metric, params string[] labelValues) =>
        _counters.GetOrAdd(Key(metric, MetricKind.Counter, labelValues), static _ => new Counter());

    /// <summary>The gauge of <paramref name="metric"/> with these label values, created on first use.</summary>
    public Gauge Gauge(MetricDescriptor metric, params string[] labelValues) =>
        _gauges.GetOrAdd(Key(metric, MetricKind.Gauge, labelValues), static _ => new Gauge());

    /// <summary>The histogram of <paramref name="metric"/> with these label values, created on first use.</summary>
    public Histogram Histogram(MetricDescriptor metric, params string[] labelValues) =>
        _histograms.GetOrAdd(
            Key(metric, MetricKind.Histogram, labelValues),
            static (key, listener) => new Histogram(key.Metric.Buckets!, listener?.Invoke(key.Metric, key.LabelValues())),
            HistogramListener);

    /// <summary>Every histogram with its metric and label values.</summary>
    public IReadOnlyList<(MetricDescriptor Metric, IReadOnlyList<string> LabelValues, Histogram Histogram)> Histograms() =>
        _histograms.Select(entry => (entry.Key.Metric, entry.Key.LabelValues(), entry.Value)).ToList();

    /// <summary>The value of one counter, or 0 if it was never created.</summary>
    public long CounterValue(MetricDescriptor metric, params string[] labelValues) =>
        _counters.TryGetValue(Key(metric, MetricKind.Counter, labelValues), out var counter) ? counter.Value : 0;

    /// <summary>The sum of a counter over all its label values.</summary>
    public long CounterTotal(MetricDescriptor metric)
    {
        long total = 0;
        foreach (var (key, counter) in _counters)
        {
            if (key.Metric == metric)
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
            samples.Add(new MetricSample(key.Metric, key.LabelValues(), counter.Value));
        }

        foreach (var (key, gauge) in _gauges)
        {
            samples.Add(new MetricSample(key.Metric, key.LabelValues(), gauge.Value));
        }

        return samples;
    }

    private static MetricKey Key(MetricDescriptor metric, MetricKind kind, string[] labelValues)
    {
        if (metric.Kind != kind)
        {
            throw new ArgumentException($"Metric '{metric.Name}' is a {metric.Kind}, not a {kind}.", nameof(metric));
        }

        if (labelValues.Length != metric.LabelNames.Count)
        {
            throw new ArgumentException(
                $"Metric '{metric.Name}' has labels ({string.Join(", ", metric.LabelNames)}) but was given {labelValues.Length} value(s).", nameof(labelValues));
        }

        return new MetricKey(metric, labelValues.Length switch
        {
            0 => "",
            1 => labelValues[0],
            _ => string.Join(Separator, labelValues),
        });
    }

    private readonly record struct MetricKey(MetricDescriptor Metric, string JoinedLabelValues)
    {
        public IReadOnlyList<string> LabelValues() => Metric.LabelNames.Count == 0 ? [] : JoinedLabelValues.Split(Separator);
    }
}
