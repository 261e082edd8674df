using Streams.Engine.Dsl.Processors;
using Streams.Engine.Graph;
using Streams.Engine.Processor;
using Streams.Engine.Serialization;
using Streams.Engine.State;

namespace Streams.Engine.Dsl;

/// <summary>
/// A record stream. Operations add nodes to the builder's graph and return the resulting stream. Operations that may
/// change the key (Map, FlatMap, SelectKey, Process) mark the stream: the next stateful step (grouping, join) first
/// writes it through an internal <c>&lt;application.id&gt;-&lt;name&gt;-repartition</c> topic, so that records with
/// equal keys meet in the same task.
/// </summary>
public sealed class KStream<TKey, TValue>
{
    internal KStream(StreamsBuilder builder, string nodeName, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde, bool repartitionRequired)
    {
        Builder = builder;
        NodeName = nodeName;
        KeySerde = keySerde;
        ValueSerde = valueSerde;
        RepartitionRequired = repartitionRequired;
    }

    /// <summary>The node this stream comes out of.</summary>
    public string NodeName { get; }

    /// <summary>True when the key may have changed since the source, so a stateful step must repartition first.</summary>
    public bool RepartitionRequired { get; }

    internal StreamsBuilder Builder { get; }

    internal ISerde<TKey>? KeySerde { get; }

    internal ISerde<TValue>? ValueSerde { get; }

    private Topology Topology => Builder.Topology;

    /// <summary>Declares the serdes of this stream (e.g. after a Map), for repartitioning, stores and sinks downstream.</summary>
    public KStream<TKey, TValue> WithSerdes(ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde) =>
        new(Builder, NodeName, keySerde ?? KeySerde, valueSerde ?? ValueSerde, RepartitionRequired);

    /// <summary>Keeps the records that satisfy <paramref name="predicate"/>.</summary>
    public KStream<TKey, TValue> Filter(Func<TKey, TValue, bool> predicate, string? name = null) =>
        Stateless<TKey, TValue>("filter", name, (record, context) =>
        {
            if (predicate(record.Key, record.Value))
            {
                context.Forward(record);
            }
        }, KeySerde, ValueSerde, RepartitionRequired);

    /// <summary>Drops the records that satisfy <paramref name="predicate"/>.</summary>
    public KStream<TKey, TValue> FilterNot(Func<TKey, TValue, bool> predicate, string? name = null) =>
        Filter((key, value) => !predicate(key, value), name);

    /// <summary>Maps each record to a new key and value (marks the stream for repartitioning).</summary>
    public KStream<TNewKey, TNewValue> Map<TNewKey, TNewValue>(Func<TKey, TValue, (TNewKey Key, TNewValue Value)> mapper, string? name = null) =>
        Stateless<TNewKey, TNewValue>("map", name, (record, context) =>
        {
            var (key, value) = mapper(record.Key, record.Value);
            context.Forward(record.With(key, value));
        }, Inherit<TNewKey>(KeySerde), Inherit<TNewValue>(ValueSerde), repartitionRequired: true);

    /// <summary>Maps each value; the key stays, so no repartitioning is needed.</summary>
    public KStream<TKey, TNewValue> MapValues<TNewValue>(Func<TValue, TNewValue> mapper, string? name = null) =>
        MapValues((_, value) => mapper(value), name);

    /// <summary>Maps each value, seeing the key.</summary>
    public KStream<TKey, TNewValue> MapValues<TNewValue>(Func<TKey, TValue, TNewValue> mapper, string? name = null) =>
        Stateless<TKey, TNewValue>(
            "map-values", name, (record, context) => context.Forward(record.WithValue(mapper(record.Key, record.Value))),
            KeySerde, Inherit<TNewValue>(ValueSerde), RepartitionRequired);

    /// <summary>Maps each record to zero or more records (marks the stream for repartitioning).</summary>
    public KStream<TNewKey, TNewValue> FlatMap<TNewKey, TNewValue>(Func<TKey, TValue, IEnumerable<(TNewKey Key, TNewValue Value)>> mapper, string? name = null) =>
        Stateless<TNewKey, TNewValue>("flat-map", name, (record, context) =>
        {
            foreach (var (key, value) in mapper(record.Key, record.Value))
            {
                context.Forward(record.With(key, value));
            }
        }, Inherit<TNewKey>(KeySerde), Inherit<TNewValue>(ValueSerde), repartitionRequired: true);

    /// <summary>Maps each value to zero or more values under the same key.</summary>
    public KStream<TKey, TNewValue> FlatMapValues<TNewValue>(Func<TValue, IEnumerable<TNewValue>> mapper, string? name = null) =>
        Stateless<TKey, TNewValue>("flat-map-values", name, (record, context) =>
        {
            foreach (var value in mapper(record.Value))
            {
                context.Forward(record.WithValue(value));
            }
        }, KeySerde, Inherit<TNewValue>(ValueSerde), RepartitionRequired);

    /// <summary>Calls <paramref name="action"/> for each record and passes it on unchanged.</summary>
    public KStream<TKey, TValue> Peek(Action<TKey, TValue> action, string? name = null) =>
        Stateless<TKey, TValue>("peek", name, (record, context) =>
        {
            action(record.Key, record.Value);
            context.Forward(record);
        }, KeySerde, ValueSerde, RepartitionRequired);

    /// <summary>Gives each record a new key (marks the stream for repartitioning).</summary>
    public KStream<TNewKey, TValue> SelectKey<TNewKey>(Func<TKey, TValue, TNewKey> selector, string? name = null) =>
        Stateless<TNewKey, TValue>(
            "select-key", name, (record, context) => context.Forward(record.WithKey(selector(record.Key, record.Value))),
            Inherit<TNewKey>(KeySerde), ValueSerde, repartitionRequired: true);

    /// <summary>Starts splitting the stream into branches; each record goes to the first branch whose predicate it satisfies.</summary>
    public BranchedKStream<TKey, TValue> Split(string? name = null)
    {
        var branches = new List<(string Node, Func<TKey, TValue, bool>? Predicate)>();
        var node = Builder.NodeName(name, "split");
        Topology.AddProcessor(node, () => new DelegateProcessor<TKey, TValue, TKey, TValue>((record, context) =>
        {
            foreach (var (branch, predicate) in branches)
            {
                if (predicate is null || predicate(record.Key, record.Value))
                {
                    context.Forward(record, branch);
                    return;
                }
            }
        }), NodeName);
        return new BranchedKStream<TKey, TValue>(this, node, branches);
    }

    /// <summary>
    /// Merges this stream and <paramref name="other"/> into one stream, in the order records arrive (there is no order
    /// across the two). Stateful steps downstream see both in one task, so their topics must be co-partitioned; the
    /// result needs repartitioning if either input did.
    /// </summary>
    public KStream<TKey, TValue> Merge(KStream<TKey, TValue> other, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(other);
        var node = Builder.NodeName(name, "merge");
        Topology.AddProcessor(node, () => new DelegateProcessor<TKey, TValue, TKey, TValue>((record, context) => context.Forward(record)), NodeName, other.NodeName);
        return new KStream<TKey, TValue>(Builder, node, KeySerde ?? other.KeySerde, ValueSerde ?? other.ValueSerde, RepartitionRequired || other.RepartitionRequired);
    }

    /// <summary>Writes the stream to a topic; serdes default to the stream's own.</summary>
    public void To(string topic, ISerde<TKey>? keySerde = null, ISerde<TValue>? valueSerde = null, string? name = null)
    {
        var node = Builder.NodeName(name, "sink");
        Topology.AddSink(
            node,
            topic,
            keySerde ?? KeySerde ?? throw MissingSerde("key", $"sink to '{topic}'"),
            valueSerde ?? ValueSerde ?? throw MissingSerde("value", $"sink to '{topic}'"),
            NodeName);
    }

    /// <summary>Runs a custom processor with access to the named stores (marks the stream for repartitioning).</summary>
    public KStream<TKeyOut, TValueOut> Process<TKeyOut, TValueOut>(Func<IProcessor<TKey, TValue, TKeyOut, TValueOut>> supplier, params string[] storeNames) =>
        Process(null!, supplier, storeNames);

    /// <summary>Runs a named custom processor with access to the named stores (marks the stream for repartitioning).</summary>
    public KStream<TKeyOut, TValueOut> Process<TKeyOut, TValueOut>(string? name, Func<IProcessor<TKey, TValue, TKeyOut, TValueOut>> supplier, params string[] storeNames)
    {
        var node = Builder.NodeName(name, "process");
        Topology.AddProcessor(node, supplier, NodeName);
        if (storeNames.Length > 0)
        {
            Topology.ConnectProcessorAndStateStores(node, storeNames);
        }

        return new KStream<TKeyOut, TValueOut>(Builder, node, Inherit<TKeyOut>(KeySerde), Inherit<TValueOut>(ValueSerde), repartitionRequired: true);
    }

    /// <summary>Groups by the current key, for aggregation.</summary>
    public KGroupedStream<TKey, TValue> GroupByKey(Grouped<TKey, TValue>? grouped = null) => new(this, grouped);

    /// <summary>Groups by a new key (a repartition follows before the aggregation).</summary>
    public KGroupedStream<TNewKey, TValue> GroupBy<TNewKey>(Func<TKey, TValue, TNewKey> selector, Grouped<TNewKey, TValue>? grouped = null) =>
        SelectKey(selector).GroupByKey(grouped);

    /// <summary>Writes the stream through an internal repartition topic now, if its key may have changed.</summary>
    public KStream<TKey, TValue> Repartition(Grouped<TKey, TValue>? grouped = null) =>
        RepartitionIfRequired(grouped?.Name ?? Builder.NodeName(null, "repartition"), grouped?.KeySerde, grouped?.ValueSerde);

    /// <summary>Inner windowed join with another stream: one result per pair of records within the window.</summary>
    public KStream<TKey, TResult> Join<TOther, TResult>(
        KStream<TKey, TOther> other, Func<TValue, TOther, TResult> joiner, JoinWindows windows, StreamJoined<TKey, TValue, TOther>? joined = null) =>
        StreamJoin(other, joiner, windows, joined, leftOuter: false, rightOuter: false, "join");

    /// <summary>
    /// Left windowed join: pairs as in <see cref="Join{TOther, TResult}(KStream{TKey, TOther}, Func{TValue, TOther, TResult}, JoinWindows, StreamJoined{TKey, TValue, TOther}?)"/>,
    /// and each left record that found no partner once its window closed, with a default right value.
    /// </summary>
    public KStream<TKey, TResult> LeftJoin<TOther, TResult>(
        KStream<TKey, TOther> other, Func<TValue, TOther, TResult> joiner, JoinWindows windows, StreamJoined<TKey, TValue, TOther>? joined = null) =>
        StreamJoin(other, joiner, windows, joined, leftOuter: true, rightOuter: false, "left-join");

    /// <summary>Outer windowed join: as the left join, and likewise for unmatched right records.</summary>
    public KStream<TKey, TResult> OuterJoin<TOther, TResult>(
        KStream<TKey, TOther> other, Func<TValue, TOther, TResult> joiner, JoinWindows windows, StreamJoined<TKey, TValue, TOther>? joined = null) =>
        StreamJoin(other, joiner, windows, joined, leftOuter: true, rightOuter: true, "outer-join");

    /// <summary>Joins each record with the table's current value for its key; records without one are dropped.</summary>
    public KStream<TKey, TResult> Join<TTableValue, TResult>(KTable<TKey, TTableValue> table, Func<TValue, TTableValue, TResult> joiner, string? name = null) =>
        TableJoin(table, joiner, leftJoin: false, name);

    /// <summary>Joins each record with the table's current value for its key, or with the default value when there is none.</summary>
    public KStream<TKey, TResult> LeftJoin<TTableValue, TResult>(KTable<TKey, TTableValue> table, Func<TValue, TTableValue, TResult> joiner, string? name = null) =>
        TableJoin(table, joiner, leftJoin: true, name);

    internal KStream<TKey, TValue> RepartitionIfRequired(string baseName, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde)
    {
        keySerde ??= KeySerde;
        valueSerde ??= ValueSerde;
        if (!RepartitionRequired)
        {
            return new KStream<TKey, TValue>(Builder, NodeName, keySerde, valueSerde, repartitionRequired: false);
        }

        var topic = new TopicName($"{baseName}-repartition", IsInternal: true);
        var sink = $"{baseName}-repartition-sink";
        var source = $"{baseName}-repartition-source";
        var keys = keySerde ?? throw MissingSerde("key", $"repartition topic '{topic}'");
        var values = valueSerde ?? throw MissingSerde("value", $"repartition topic '{topic}'");
        Topology.AddSink(sink, topic, keys, values, NodeName);
        Topology.AddSource(source, [topic], keys, values, null);
        return new KStream<TKey, TValue>(Builder, source, keys, values, repartitionRequired: false);
    }

    internal static InvalidOperationException MissingSerde(string part, string where) =>
        new($"The {part} serde for the {where} is unknown (an operation changed its type): pass it explicitly, e.g. with Grouped.With(...) or WithSerdes(...).");

    /// <summary>An operation that keeps a key or value type keeps its serde; a new type needs one declared downstream.</summary>
    private static ISerde<T>? Inherit<T>(object? serde) => serde as ISerde<T>;

    private KStream<TNewKey, TNewValue> Stateless<TNewKey, TNewValue>(
        string operation,
        string? name,
        Action<Record<TKey, TValue>, IProcessorContext<TNewKey, TNewValue>> body,
        ISerde<TNewKey>? keySerde,
        ISerde<TNewValue>? valueSerde,
        bool repartitionRequired)
    {
        var node = Builder.NodeName(name, operation);
        Topology.AddProcessor(node, () => new DelegateProcessor<TKey, TValue, TNewKey, TNewValue>(body), NodeName);
        return new KStream<TNewKey, TNewValue>(Builder, node, keySerde, valueSerde, repartitionRequired);
    }

    private KStream<TKey, TResult> TableJoin<TTableValue, TResult>(KTable<TKey, TTableValue> table, Func<TValue, TTableValue, TResult> joiner, bool leftJoin, string? name)
    {
        var node = Builder.NodeName(name, leftJoin ? "table-left-join" : "table-join");
        var stream = RepartitionIfRequired(node, KeySerde ?? table.KeySerde, ValueSerde);
        Topology.AddProcessor(node, () => new StreamTableJoinProcessor<TKey, TValue, TTableValue, TResult>(table.StoreName, joiner, leftJoin), stream.NodeName);
        Topology.ConnectProcessorAndStateStores(node, table.StoreName);
        return new KStream<TKey, TResult>(Builder, node, stream.KeySerde, Inherit<TResult>(ValueSerde), repartitionRequired: false);
    }

    private KStream<TKey, TResult> StreamJoin<TOther, TResult>(
        KStream<TKey, TOther> other,
        Func<TValue, TOther, TResult> joiner,
        JoinWindows windows,
        StreamJoined<TKey, TValue, TOther>? joined,
        bool leftOuter,
        bool rightOuter,
        string operation)
    {
        var baseName = Builder.NodeName(joined?.Name, operation);
        var keySerde = joined?.KeySerde ?? KeySerde ?? other.KeySerde ?? throw MissingSerde("key", $"join '{baseName}'");
        var leftSerde = joined?.ValueSerde ?? ValueSerde ?? throw MissingSerde("left value", $"join '{baseName}'");
        var rightSerde = joined?.OtherValueSerde ?? other.ValueSerde ?? throw MissingSerde("right value", $"join '{baseName}'");
        var left = RepartitionIfRequired($"{baseName}-left", keySerde, leftSerde);
        var right = other.RepartitionIfRequired($"{baseName}-right", keySerde, rightSerde);

        var storeType = joined?.StoreType ?? StoreType.RocksDb;
        var leftStore = $"{baseName}-left-store";
        var rightStore = $"{baseName}-right-store";
        var unmatchedStore = leftOuter || rightOuter ? $"{baseName}-unmatched-store" : null;
        // A join buffer must keep a record while a partner within its window can still arrive: size plus grace.
        var size = TimeSpan.FromMilliseconds(Math.Max(1, (windows.Before + windows.After).TotalMilliseconds));
        var retention = size + windows.Grace;

        var leftNode = $"{baseName}-left";
        var rightNode = $"{baseName}-right";
        var mergeNode = $"{baseName}-merge";
        Topology.AddProcessor(leftNode, () => new StreamStreamJoinProcessor<TKey, TValue, TOther, TResult>(new StreamJoinSide<TKey, TValue, TOther, TResult>(
            IsLeft: true, leftStore, rightStore, unmatchedStore, windows, ThisOuter: leftOuter, OtherOuter: rightOuter,
            Join: joiner, ThisAlone: value => joiner(value, default!), OtherAlone: otherValue => joiner(default!, otherValue),
            keySerde, leftSerde, rightSerde)), left.NodeName);
        Topology.AddProcessor(rightNode, () => new StreamStreamJoinProcessor<TKey, TOther, TValue, TResult>(new StreamJoinSide<TKey, TOther, TValue, TResult>(
            IsLeft: false, rightStore, leftStore, unmatchedStore, windows, ThisOuter: rightOuter, OtherOuter: leftOuter,
            Join: (otherValue, value) => joiner(value, otherValue), ThisAlone: otherValue => joiner(default!, otherValue), OtherAlone: value => joiner(value, default!),
            keySerde, rightSerde, leftSerde)), right.NodeName);
        Topology.AddStateStore(Stores.Window(leftStore, keySerde, leftSerde, size, retention, retainDuplicates: true, storeType), leftNode, rightNode);
        Topology.AddStateStore(Stores.Window(rightStore, keySerde, rightSerde, size, retention, retainDuplicates: true, storeType), leftNode, rightNode);
        if (unmatchedStore is not null)
        {
            Topology.AddStateStore(Stores.KeyValue(unmatchedStore, Serdes.ByteArray, Serdes.ByteArray, storeType), leftNode, rightNode);
        }

        Topology.AddProcessor(mergeNode, () => new DelegateProcessor<TKey, TResult, TKey, TResult>((record, context) => context.Forward(record)), leftNode, rightNode);
        return new KStream<TKey, TResult>(Builder, mergeNode, keySerde, Inherit<TResult>(ValueSerde), repartitionRequired: false);
    }
}
