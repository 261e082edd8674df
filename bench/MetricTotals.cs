using Streams.Engine.Metrics;

namespace Personalization.Bench;

/// <summary>A runtime's counters summed over every label but the last: the figures a scenario's notes report.</summary>
internal static class MetricTotals
{
    /// <summary>The counts of <paramref name="metric"/> by its last label's value (threads, stores and tasks together).</summary>
    public static Dictionary<string, long> ByLastLabel(StreamsMetrics metrics, MetricDescriptor metric)
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var sample in metrics.Snapshot())
        {
            if (sample.Metric == metric)
            {
                var label = sample.LabelValues[^1];
                totals[label] = totals.GetValueOrDefault(label) + (long)sample.Value;
            }
        }

        return totals;
    }
}
