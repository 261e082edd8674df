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

    public abstract RuntimeNode Instantiate();
}

internal sealed class SourceDefinition<TKey, TValue>(
    string name,
    IReadOnlyList<TopicName> topics,
    ISerde<TKey> keySerde,
    ISerde<TValue> valueSerde,
    Func<TKey, TValue, long, long>? timestampExtractor) : NodeDefinition(name), ISourceDefinition
{
    public IReadOnlyList<TopicName> Topics { get; } = topics;

    public override (Type Key, Type Value)? InputTypes => null;

    public override (Type Key, Type Value)? OutputTypes => (typeof(TKey), typeof(TValue));

    public override RuntimeNode Instantiate() => new SourceNode<TKey, TValue>(Name, keySerde, valueSerde, timestampExtractor);
}

internal sealed class ProcessorDefinition<TKeyIn, TValueIn, TKeyOut, TValueOut>(
    string name,
    Func<IProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut>> supplier) : NodeDefinition(name)
{
    public override (Type Key, Type Value)? InputTypes => (typeof(TKeyIn), typeof(TValueIn));

    public override (Type Key, Type Value)? OutputTypes => (typeof(TKeyOut), typeof(TValueOut));

    public override RuntimeNode Instantiate()
    {
        var processor = supplier() ?? throw new InvalidOperationException($"The supplier of processor '{Name}' returned null.");
        return new ProcessorNode<TKeyIn, TValueIn, TKeyOut, TValueOut>(Name, processor);
    }
}

internal sealed class SinkDefinition<TKey, TValue>(
    string name,
    TopicName topic,
    ISerde<TKey> keySerde,
    ISerde<TValue> valueSerde) : NodeDefinition(name), ISinkDefinition
{
    public TopicName Topic { get; } = topic;

    public override (Type Key, Type Value)? InputTypes => (typeof(TKey), typeof(TValue));

    public override (Type Key, Type Value)? OutputTypes => null;

    public override RuntimeNode Instantiate() => new SinkNode<TKey, TValue>(Name, Topic, keySerde, valueSerde);
}
