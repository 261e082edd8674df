using Streams.Engine.Dsl.Processors;
using Streams.Engine.Graph;
using Streams.Engine.Serialization;
using Streams.Engine.State;

namespace Streams.Engine.Dsl;

/// <summary>
/// The entry point of the typed DSL: declare streams and tables over topics, chain operations, then
/// <see cref="Build"/> the processor graph. Generated node and store names are numbered in declaration order; name
/// the stores you query or depend on (their changelog topics carry the name).
/// </summary>
public sealed class StreamsBuilder
{
    private int _counter;

    internal Topology Topology { get; } = new();

    /// <summary>A stream over one topic.</summary>
    /// <param name="timestampExtractor">Event time from key, value and record timestamp; default: the record timestamp.</param>
    public KStream<TKey, TValue> Stream<TKey, TValue>(
        string topic,
        ISerde<TKey> keySerde,
        ISerde<TValue> valueSerde,
        Func<TKey, TValue, long, long>? timestampExtractor = null,
        string? name = null) =>
        Stream([topic], keySerde, valueSerde, timestampExtractor, name);

    /// <summary>A stream over several topics of the same key and value types (they must be co-partitioned).</summary>
    public KStream<TKey, TValue> Stream<TKey, TValue>(
        IReadOnlyList<string> topics,
        ISerde<TKey> keySerde,
        ISerde<TValue> valueSerde,
        Func<TKey, TValue, long, long>? timestampExtractor = null,
        string? name = null)
    {
        var node = NodeName(name, "source");
        Topology.AddSource(node, topics.Select(topic => new TopicName(topic, IsInternal: false)).ToList(), keySerde, valueSerde, timestampExtractor);
        return new KStream<TKey, TValue>(this, node, keySerde, valueSerde, repartitionRequired: false);
    }

    /// <summary>
    /// A table over a topic: each record is its key's latest value, a null value deletes the key. The table is
    /// materialized in a store so streams can join against it.
    /// </summary>
    public KTable<TKey, TValue> Table<TKey, TValue>(string topic, ISerde<TKey> keySerde, ISerde<TValue> valueSerde, Materialized? materialized = null)
    {
        materialized ??= new Materialized();
        var source = NodeName(null, "table-source");
        var node = NodeName(null, "table");
        var storeName = materialized.StoreName ?? NodeName(null, "table-store");
        Topology.AddSource(source, [new TopicName(topic, IsInternal: false)], keySerde, valueSerde, null);
        Topology.AddProcessor(node, () => new TableSourceProcessor<TKey, TValue>(storeName), source);
        Topology.AddStateStore(Configure(Stores.KeyValue(storeName, keySerde, valueSerde, materialized.StoreType), materialized), node);
        return new KTable<TKey, TValue>(this, node, storeName, keySerde, valueSerde, routing: null);
    }

    /// <summary>Adds a store that processors added with <c>Process</c> can connect to by name.</summary>
    public StreamsBuilder AddStateStore(StoreBuilder store)
    {
        Topology.AddStateStore(store);
        return this;
    }

    /// <summary>The processor graph declared so far.</summary>
    public Topology Build() => Topology;

    internal string NodeName(string? given, string prefix)
    {
        var index = _counter++;
        if (given is null)
        {
            return $"{prefix}-{index:D4}";
        }

        if (Topology.HasNode(given))
        {
            throw new InvalidOperationException($"The topology already has a node named '{given}'.");
        }

        return given;
    }

    internal static StoreBuilder Configure(StoreBuilder store, Materialized materialized) =>
        materialized.LoggingEnabled ? store : store.WithLoggingDisabled();
}
