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

    /// <summary>The counter with this name and label value, created on first use.</summary>
    /// <param name="name">One of <see cref="MetricNames"/>.</param>
    /// <param name="label">What the counter is about (a processor, store or topic name), or empty.</param>
    public Counter Counter(string name, string label = "") =>
        _counters.GetOrAdd(new MetricKey(name, label), static _ => new Counter());

    /// <summary>The gauge with this name and label value, created on first use.</summary>
    public Gauge Gauge(string name, string label = "") =>
        _gauges.GetOrAdd(new MetricKey(name, label), static _ => new Gauge());

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

    /// <summary>Punctuator runs; label: processor.</summary>
    public const string Punctuations = "punctuations";
}
