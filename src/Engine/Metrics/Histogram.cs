namespace Streams.Engine.Metrics;

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
