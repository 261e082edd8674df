using Streams.Engine.Metrics;
using Streams.Engine.State;

namespace Personalization.Bench;

/// <summary>
/// The state stores' operations (<see cref="StateStoreMetrics.Operations"/>), all stores together, so a scenario can
/// report its topology's store work per event over its measured window.
/// </summary>
internal readonly record struct StoreOperationCounts(long Gets, long Puts, long Deletes, long Ranges)
{
    public long Total => Gets + Puts + Deletes + Ranges;

    public static StoreOperationCounts Of(StreamsMetrics metrics)
    {
        var byOperation = MetricTotals.ByLastLabel(metrics, StateStoreMetrics.Operations);
        return new StoreOperationCounts(
            byOperation.GetValueOrDefault("get"), byOperation.GetValueOrDefault("put"), byOperation.GetValueOrDefault("delete"), byOperation.GetValueOrDefault("range"));
    }

    public static StoreOperationCounts operator -(StoreOperationCounts a, StoreOperationCounts b) =>
        new(a.Gets - b.Gets, a.Puts - b.Puts, a.Deletes - b.Deletes, a.Ranges - b.Ranges);

    /// <summary>Per event, for a scenario's notes; null when no store was called.</summary>
    public string? Describe(long events) => Total <= 0 || events <= 0
        ? null
        : FormattableString.Invariant($"store operations per event: {(double)Total / events:F1} ({(double)Gets / events:F1} gets, ")
            + FormattableString.Invariant($"{(double)Puts / events:F1} puts, {(double)Deletes / events:F2} deletes, {(double)Ranges / events:F1} ranges)");
}
