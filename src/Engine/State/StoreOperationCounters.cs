using Streams.Engine.Metrics;

namespace Streams.Engine.State;

/// <summary>
/// One store's <see cref="StateStoreMetrics.Operations"/> counters, looked up once when the store opens. The same store
/// of every task shares them, so a dashboard sees the topology's store work, not 64 tasks' worth of series.
/// </summary>
internal sealed class StoreOperationCounters
{
    private StoreOperationCounters(Counter get, Counter put, Counter delete, Counter range)
    {
        Get = get;
        Put = put;
        Delete = delete;
        Range = range;
    }

    /// <summary>Counters no metrics registry holds: what a store counts before it is opened.</summary>
    public static StoreOperationCounters Unregistered { get; } = new(new Counter(), new Counter(), new Counter(), new Counter());

    public Counter Get { get; }

    public Counter Put { get; }

    public Counter Delete { get; }

    public Counter Range { get; }

    public static StoreOperationCounters For(StreamsMetrics metrics, string store) => new(
        metrics.Counter(StateStoreMetrics.Operations, store, "get"),
        metrics.Counter(StateStoreMetrics.Operations, store, "put"),
        metrics.Counter(StateStoreMetrics.Operations, store, "delete"),
        metrics.Counter(StateStoreMetrics.Operations, store, "range"));

    /// <summary>Counts a write: a null value deletes.</summary>
    public void CountWrite(byte[]? value) => (value is null ? Delete : Put).Increment();
}
