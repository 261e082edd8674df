namespace Streams.Engine.Metrics;

/// <summary>
/// A histogram's bucket counts at one moment (per bucket, not cumulative; the last bucket is +Inf). Two snapshots give
/// the distribution of what was observed between them (<see cref="Minus"/>), so a reader can report recent percentiles
/// without the histogram keeping any window itself.
/// </summary>
public sealed class HistogramSnapshot
{
    private readonly IReadOnlyList<double> _upperBounds;
    private readonly long[] _counts;

    internal HistogramSnapshot(IReadOnlyList<double> upperBounds, long[] counts)
    {
        _upperBounds = upperBounds;
        _counts = counts;
    }

    /// <summary>Observations in the snapshot.</summary>
    public long Count => _counts.Sum();

    /// <summary>What was observed after <paramref name="earlier"/> (a snapshot of the same histogram) and up to this one.</summary>
    public HistogramSnapshot Minus(HistogramSnapshot earlier)
    {
        var counts = new long[_counts.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = Math.Max(0, _counts[i] - earlier._counts[i]);
        }

        return new HistogramSnapshot(_upperBounds, counts);
    }

    /// <summary>
    /// The value below which <paramref name="q"/> of the observations fall, interpolated linearly within its bucket as
    /// Prometheus' histogram_quantile does (the last finite bound when it falls in the +Inf bucket); NaN without any.
    /// </summary>
    public double Quantile(double q)
    {
        var total = Count;
        if (total == 0)
        {
            return double.NaN;
        }

        var rank = q * total;
        long cumulative = 0;
        for (var i = 0; i < _upperBounds.Count; i++)
        {
            if (cumulative + _counts[i] >= rank)
            {
                var lower = i == 0 ? 0 : _upperBounds[i - 1];
                return _counts[i] == 0 ? _upperBounds[i] : lower + ((_upperBounds[i] - lower) * (rank - cumulative) / _counts[i]);
            }

            cumulative += _counts[i];
        }

        return _upperBounds.Count == 0 ? double.NaN : _upperBounds[^1];
    }
}
