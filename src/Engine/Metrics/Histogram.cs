namespace Streams.Engine.Metrics;

/// <summary>
/// A distribution of observations in fixed buckets (cumulative counts by upper bound, as Prometheus histograms),
/// updated without locks.
/// </summary>
public sealed class Histogram(IReadOnlyList<double> upperBounds, Action<double>? listener = null)
{
    private readonly long[] _counts = new long[upperBounds.Count + 1];
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
        while (bucket < upperBounds.Count && value > upperBounds[bucket])
        {
            bucket++;
        }

        Interlocked.Increment(ref _counts[bucket]);
        Interlocked.Add(ref _sumMicros, (long)(value * 1e6));
        listener?.Invoke(value);
    }
}
