using Streams.Engine.Dsl.Processors;
using Streams.Engine.Serialization;
using Streams.Engine.State;

namespace Streams.Engine.Dsl;

/// <summary>
/// A changelog stream read as a table: the latest value per key, materialized in <see cref="StoreName"/>. Tables come
/// from <c>StreamsBuilder.Table</c> and from aggregations (windowed ones have <see cref="Windowed{TKey}"/> keys).
/// </summary>
public sealed class KTable<TKey, TValue>
{
    private readonly StreamsBuilder _builder;
    private readonly string _nodeName;
    private readonly EmitRouting? _routing;

    internal KTable(StreamsBuilder builder, string nodeName, string storeName, ISerde<TKey> keySerde, ISerde<TValue> valueSerde, EmitRouting? routing)
    {
        _builder = builder;
        _nodeName = nodeName;
        _routing = routing;
        StoreName = storeName;
        KeySerde = keySerde;
        ValueSerde = valueSerde;
    }

    /// <summary>The store that holds the table; query it through the test driver or the runtime.</summary>
    public string StoreName { get; }

    internal ISerde<TKey> KeySerde { get; }

    internal ISerde<TValue> ValueSerde { get; }

    /// <summary>Builds the store that records how far final results were emitted (time-windowed tables only).</summary>
    internal Func<string, StoreBuilder>? EmittedStoreFactory { get; init; }

    /// <summary>
    /// The table's updates as a stream. <see cref="EmitStrategy.OnWindowClose"/> emits one final result per window once
    /// it closes; it applies to time-windowed tables only.
    /// </summary>
    public KStream<TKey, TValue> ToStream(EmitStrategy emit = EmitStrategy.OnWindowUpdate, string? name = null)
    {
        var node = _builder.NodeName(name, emit == EmitStrategy.OnWindowClose ? "to-stream-final" : "to-stream");
        if (emit == EmitStrategy.OnWindowClose && _routing is null)
        {
            throw new NotSupportedException(
                $"Table '{StoreName}' cannot emit on window close: only time-windowed aggregations support it (session windows and plain tables emit every update).");
        }

        _builder.Topology.AddProcessor(node, () => new DelegateProcessor<TKey, TValue, TKey, TValue>((record, context) => context.Forward(record)), _nodeName);
        if (_routing is not null)
        {
            if (emit == EmitStrategy.OnWindowUpdate)
            {
                _routing.UpdateChildren.Add(node);
            }
            else
            {
                _routing.FinalChildren.Add(node);
                if (_routing.EmittedStore is null)
                {
                    _routing.EmittedStore = $"{StoreName}-emitted";
                    _builder.Topology.AddStateStore(EmittedStoreFactory!(_routing.EmittedStore), _nodeName);
                }
            }
        }

        return new KStream<TKey, TValue>(_builder, node, KeySerde, ValueSerde, repartitionRequired: false);
    }
}
