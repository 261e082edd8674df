using Streams.Engine.Processor;
using Streams.Engine.Serialization;

namespace Streams.Engine.Graph;

/// <summary>One node of a topology as declared: its name, edges, types and stores. Tasks instantiate it.</summary>
internal abstract class NodeDefinition(string name)
{
    public string Name { get; } = name;

    public List<NodeDefinition> Parents { get; } = [];

    public List<NodeDefinition> Children { get; } = [];

    public List<string> StoreNames { get; } = [];

    /// <summary>Key and value types the node accepts; null for sources.</summary>
    public abstract (Type Key, Type Value)? InputTypes { get; }

    /// <summary>Key and value types the node forwards; null for sinks.</summary>
    public abstract (Type Key, Type Value)? OutputTypes { get; }

    /// <summary>Hands the node, with its types, to <paramref name="visitor"/> (a task building its nodes, for one).</summary>
    public abstract TResult Accept<TResult>(INodeVisitor<TResult> visitor);
}

internal sealed class SourceDefinition<TKey, TValue>(
    string name,
    IReadOnlyList<TopicName> topics,
    ISerde<TKey> keySerde,
    ISerde<TValue> valueSerde,
    Func<TKey, TValue, long, long>? timestampExtractor) : NodeDefinition(name), ISourceDefinition
{
    public IReadOnlyList<TopicName> Topics { get; } = topics;

    public ISerde<TKey> KeySerde { get; } = keySerde;

    public ISerde<TValue> ValueSerde { get; } = valueSerde;

    public Func<TKey, TValue, long, long>? TimestampExtractor { get; } = timestampExtractor;

    public override (Type Key, Type Value)? InputTypes => null;

    public override (Type Key, Type Value)? OutputTypes => (typeof(TKey), typeof(TValue));

    public override TResult Accept<TResult>(INodeVisitor<TResult> visitor) => visitor.VisitSource(this);
}

internal sealed class ProcessorDefinition<TKeyIn, TValueIn, TKeyOut, TValueOut>(
    string name,
    Func<IProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut>> supplier) : NodeDefinition(name)
{
    public override (Type Key, Type Value)? InputTypes => (typeof(TKeyIn), typeof(TValueIn));

    public override (Type Key, Type Value)? OutputTypes => (typeof(TKeyOut), typeof(TValueOut));

    /// <summary>A new processor instance: each task gets its own.</summary>
    public IProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut> NewProcessor() =>
        supplier() ?? throw new InvalidOperationException($"The supplier of processor '{Name}' returned null.");

    public override TResult Accept<TResult>(INodeVisitor<TResult> visitor) => visitor.VisitProcessor(this);
}

internal sealed class SinkDefinition<TKey, TValue>(
    string name,
    TopicName topic,
    ISerde<TKey> keySerde,
    ISerde<TValue> valueSerde) : NodeDefinition(name), ISinkDefinition
{
    public TopicName Topic { get; } = topic;

    public ISerde<TKey> KeySerde { get; } = keySerde;

    public ISerde<TValue> ValueSerde { get; } = valueSerde;

    public override (Type Key, Type Value)? InputTypes => (typeof(TKey), typeof(TValue));

    public override (Type Key, Type Value)? OutputTypes => null;

    public override TResult Accept<TResult>(INodeVisitor<TResult> visitor) => visitor.VisitSink(this);
}
