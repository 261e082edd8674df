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
    /// The value below which <paramref name="q"/> of the observations fall, interpolated linearly within its bucket as
    /// Prometheus' histogram_quantile does (the last finite bound when it falls in the +Inf bucket); NaN without any.
    /// </summary>
    public double Quantile(double q)
    {
        var counts = new long[_counts.Length];
        long total = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = Volatile.Read(ref _counts[i]);
            total += counts[i];
        }

        if (total == 0)
        {
            return double.NaN;
        }

        var rank = q * total;
        long cumulative = 0;
        for (var i = 0; i < upperBounds.Count; i++)
        {
            if (cumulative + counts[i] >= rank)
            {
                var lower = i == 0 ? 0 : upperBounds[i - 1];
                return counts[i] == 0 ? upperBounds[i] : lower + ((upperBounds[i] - lower) * (rank - cumulative) / counts[i]);
            }

            cumulative += counts[i];
        }

        return upperBounds.Count == 0 ? double.NaN : upperBounds[^1];
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
