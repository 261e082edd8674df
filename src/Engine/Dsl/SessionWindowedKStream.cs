using Streams.Engine.Dsl.Processors;
using Streams.Engine.Serialization;
using Streams.Engine.State;

namespace Streams.Engine.Dsl;

/// <summary>A grouped stream windowed by sessions.</summary>
public sealed class SessionWindowedKStream<TKey, TValue>
{
    private readonly KGroupedStream<TKey, TValue> _grouped;
    private readonly SessionWindows _windows;

    internal SessionWindowedKStream(KGroupedStream<TKey, TValue> grouped, SessionWindows windows)
    {
        _grouped = grouped;
        _windows = windows;
    }

    /// <summary>Counts records per key and session; merged sessions add their counts.</summary>
    public KTable<Windowed<TKey>, long> Count(Materialized? materialized = null) =>
        Aggregate("session-count", static (_, _, has, count) => has ? count + 1 : 1, static (_, a, b) => a + b, Serdes.Int64, materialized);

    /// <summary>Reduces the values of each session; merging sessions reduces their results too.</summary>
    public KTable<Windowed<TKey>, TValue> Reduce(Func<TValue, TValue, TValue> reducer, ISerde<TValue> valueSerde, Materialized? materialized = null) =>
        Aggregate("session-reduce", (_, value, has, aggregate) => has ? reducer(aggregate, value) : value, (_, a, b) => reducer(a, b), valueSerde, materialized);

    /// <summary>Folds each session's values into an aggregate; <paramref name="merger"/> combines two sessions' aggregates when a record bridges them.</summary>
    public KTable<Windowed<TKey>, TAggregate> Aggregate<TAggregate>(
        Func<TAggregate> initializer,
        Func<TKey, TValue, TAggregate, TAggregate> aggregator,
        Func<TKey, TAggregate, TAggregate, TAggregate> merger,
        ISerde<TAggregate> aggregateSerde,
        Materialized? materialized = null) =>
        Aggregate("session-aggregate", (key, value, has, aggregate) => aggregator(key, value, has ? aggregate : initializer()), merger, aggregateSerde, materialized);

    private KTable<Windowed<TKey>, TAggregate> Aggregate<TAggregate>(
        string operation,
        Aggregation<TKey, TValue, TAggregate> aggregation,
        Func<TKey, TAggregate, TAggregate, TAggregate> merger,
        ISerde<TAggregate> aggregateSerde,
        Materialized? materialized)
    {
        materialized ??= new Materialized();
        var builder = _grouped.Builder;
        var node = builder.NodeName(null, operation);
        var storeName = materialized.StoreName ?? $"{node}-store";
        var (stream, keySerde) = _grouped.Prepare(storeName);
        var retention = materialized.Retention ?? _windows.InactivityGap + _windows.Grace;
        var windows = _windows;
        builder.Topology.AddProcessor(node, () => new SessionWindowAggregateProcessor<TKey, TValue, TAggregate>(storeName, windows, aggregation, merger), stream.NodeName);
        builder.Topology.AddStateStore(StreamsBuilder.Configure(Stores.Session(storeName, keySerde, aggregateSerde, retention, materialized.StoreType), materialized), node);
        return new KTable<Windowed<TKey>, TAggregate>(builder, node, storeName, WindowedSerdes.SessionWindowed(keySerde), aggregateSerde, routing: null);
    }
}
