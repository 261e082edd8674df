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

    /// <summary>
    /// The value below which <paramref name="q"/> of the observations so far fall (see <see cref="HistogramSnapshot.Quantile"/>);
    /// NaN without any.
    /// </summary>
    public double Quantile(double q) => Snapshot().Quantile(q);

    /// <summary>The bucket counts now, to compare with a later snapshot (what happened in between).</summary>
    public HistogramSnapshot Snapshot()
    {
        var counts = new long[_counts.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = Volatile.Read(ref _counts[i]);
        }

        return new HistogramSnapshot(upperBounds, counts);
    }

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
