using Streams.Engine.Dsl.Processors;
using Streams.Engine.Serialization;
using Streams.Engine.State;

namespace Streams.Engine.Dsl;

/// <summary>A grouped stream windowed by fixed time windows.</summary>
public sealed class TimeWindowedKStream<TKey, TValue>
{
    private readonly KGroupedStream<TKey, TValue> _grouped;
    private readonly TimeWindows _windows;

    internal TimeWindowedKStream(KGroupedStream<TKey, TValue> grouped, TimeWindows windows)
    {
        _grouped = grouped;
        _windows = windows;
    }

    /// <summary>Counts records per key and window.</summary>
    public KTable<Windowed<TKey>, long> Count(Materialized? materialized = null) =>
        Aggregate("window-count", static (_, _, has, count) => has ? count + 1 : 1, Serdes.Int64, materialized);

    /// <summary>Reduces the values of each key and window.</summary>
    public KTable<Windowed<TKey>, TValue> Reduce(Func<TValue, TValue, TValue> reducer, ISerde<TValue> valueSerde, Materialized? materialized = null) =>
        Aggregate("window-reduce", (_, value, has, aggregate) => has ? reducer(aggregate, value) : value, valueSerde, materialized);

    /// <summary>Folds the values of each key and window into an aggregate.</summary>
    public KTable<Windowed<TKey>, TAggregate> Aggregate<TAggregate>(
        Func<TAggregate> initializer,
        Func<TKey, TValue, TAggregate, TAggregate> aggregator,
        ISerde<TAggregate> aggregateSerde,
        Materialized? materialized = null) =>
        Aggregate("window-aggregate", (key, value, has, aggregate) => aggregator(key, value, has ? aggregate : initializer()), aggregateSerde, materialized);

    private KTable<Windowed<TKey>, TAggregate> Aggregate<TAggregate>(string operation, Aggregation<TKey, TValue, TAggregate> aggregation, ISerde<TAggregate> aggregateSerde, Materialized? materialized)
    {
        materialized ??= new Materialized();
        var builder = _grouped.Builder;
        var node = builder.NodeName(null, operation);
        var storeName = materialized.StoreName ?? $"{node}-store";
        var (stream, keySerde) = _grouped.Prepare(storeName);
        var retention = materialized.Retention ?? _windows.Size + _windows.Grace;
        if (retention < _windows.Size + _windows.Grace)
        {
            throw new ArgumentException(
                $"Store '{storeName}': retention {retention} is shorter than window size plus grace ({_windows.Size + _windows.Grace}), "
                + "so windows would expire while still open.");
        }

        var routing = new EmitRouting();
        var windows = _windows;
        builder.Topology.AddProcessor(node, () => new TimeWindowAggregateProcessor<TKey, TValue, TAggregate>(storeName, windows, aggregation, routing), stream.NodeName);
        var store = Stores.Window(storeName, keySerde, aggregateSerde, _windows.Size, retention, retainDuplicates: false, materialized.StoreType);
        builder.Topology.AddStateStore(StreamsBuilder.Configure(store, materialized), node);
        return new KTable<Windowed<TKey>, TAggregate>(builder, node, storeName, WindowedSerdes.TimeWindowed(keySerde, _windows.Size), aggregateSerde, routing)
        {
            EmittedStoreFactory = name => Stores.KeyValue(name, Serdes.String, Serdes.Int64, materialized.StoreType),
        };
    }
}
