using Streams.Engine.Dsl.Processors;
using Streams.Engine.Serialization;
using Streams.Engine.State;

namespace Streams.Engine.Dsl;

/// <summary>A stream grouped by key, ready to aggregate (repartitioned first if its key may have changed).</summary>
public sealed class KGroupedStream<TKey, TValue>
{
    private readonly KStream<TKey, TValue> _stream;
    private readonly Grouped<TKey, TValue>? _grouped;

    internal KGroupedStream(KStream<TKey, TValue> stream, Grouped<TKey, TValue>? grouped)
    {
        _stream = stream;
        _grouped = grouped;
    }

    /// <summary>Counts records per key.</summary>
    public KTable<TKey, long> Count(Materialized? materialized = null) =>
        Aggregate("count", static (_, _, has, count) => has ? count + 1 : 1, Serdes.Int64, materialized);

    /// <summary>Combines the values of each key with <paramref name="reducer"/> (the first value stands alone).</summary>
    public KTable<TKey, TValue> Reduce(Func<TValue, TValue, TValue> reducer, Materialized? materialized = null, ISerde<TValue>? valueSerde = null) =>
        Aggregate("reduce", (_, value, has, aggregate) => has ? reducer(aggregate, value) : value,
            valueSerde ?? _grouped?.ValueSerde ?? _stream.ValueSerde ?? throw KStream<TKey, TValue>.MissingSerde("value", "reduce store"), materialized);

    /// <summary>Folds the values of each key into an aggregate that starts as <paramref name="initializer"/>().</summary>
    public KTable<TKey, TAggregate> Aggregate<TAggregate>(
        Func<TAggregate> initializer,
        Func<TKey, TValue, TAggregate, TAggregate> aggregator,
        ISerde<TAggregate> aggregateSerde,
        Materialized? materialized = null) =>
        Aggregate("aggregate", (key, value, has, aggregate) => aggregator(key, value, has ? aggregate : initializer()), aggregateSerde, materialized);

    /// <summary>Aggregates per key and fixed time window.</summary>
    public TimeWindowedKStream<TKey, TValue> WindowedBy(TimeWindows windows) => new(this, windows);

    /// <summary>Aggregates per key and session.</summary>
    public SessionWindowedKStream<TKey, TValue> WindowedBy(SessionWindows windows) => new(this, windows);

    internal StreamsBuilder Builder => _stream.Builder;

    /// <summary>The grouped stream, repartitioned if needed, with known key serde, for an aggregation storing in <paramref name="storeName"/>.</summary>
    internal (KStream<TKey, TValue> Stream, ISerde<TKey> KeySerde) Prepare(string storeName)
    {
        var stream = _stream.RepartitionIfRequired(_grouped?.Name ?? storeName, _grouped?.KeySerde, _grouped?.ValueSerde);
        var keySerde = stream.KeySerde ?? throw KStream<TKey, TValue>.MissingSerde("key", $"store '{storeName}'");
        return (stream, keySerde);
    }

    private KTable<TKey, TAggregate> Aggregate<TAggregate>(string operation, Aggregation<TKey, TValue, TAggregate> aggregation, ISerde<TAggregate> aggregateSerde, Materialized? materialized)
    {
        materialized ??= new Materialized();
        var node = Builder.NodeName(null, operation);
        var storeName = materialized.StoreName ?? $"{node}-store";
        var (stream, keySerde) = Prepare(storeName);
        var topology = Builder.Topology;
        topology.AddProcessor(node, () => new AggregateProcessor<TKey, TValue, TAggregate>(storeName, aggregation), stream.NodeName);
        topology.AddStateStore(StreamsBuilder.Configure(Stores.KeyValue(storeName, keySerde, aggregateSerde, materialized.StoreType), materialized), node);
        return new KTable<TKey, TAggregate>(Builder, node, storeName, keySerde, aggregateSerde, routing: null);
    }
}

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
            throw new ArgumentException($"Store '{storeName}': retention {retention} is shorter than window size plus grace ({_windows.Size + _windows.Grace}), so windows would expire while still open.");
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
