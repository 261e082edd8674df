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
