using Streams.Engine.Processor;
using Streams.Engine.Serialization;
using Streams.Engine.State;

namespace Streams.Engine.Graph;

/// <summary>
/// A processor graph: sources that read topics, processors, sinks that write topics, and the state stores the
/// processors use. Build it directly with this low-level API or with the DSL (<c>StreamsBuilder</c>); either way
/// each task runs its own instance of one sub-topology (a connected part of the graph) over one input partition.
/// </summary>
public sealed class Topology
{
    private readonly List<NodeDefinition> _nodes = [];
    private readonly Dictionary<string, NodeDefinition> _nodesByName = [];
    private readonly Dictionary<string, StoreBuilder> _stores = [];
    private readonly Dictionary<string, string> _sourceNodeByTopic = [];
    private IReadOnlyList<Subtopology>? _subtopologies;

    /// <summary>Adds a source node reading <paramref name="topic"/>.</summary>
    /// <param name="timestampExtractor">Computes a record's event time from key, value and the record timestamp; default: the record timestamp.</param>
    public Topology AddSource<TKey, TValue>(
        string name,
        string topic,
        ISerde<TKey> keySerde,
        ISerde<TValue> valueSerde,
        Func<TKey, TValue, long, long>? timestampExtractor = null) =>
        AddSource(name, [new TopicName(topic, IsInternal: false)], keySerde, valueSerde, timestampExtractor);

    /// <summary>Adds a processor node fed by <paramref name="parentNames"/>; <paramref name="supplier"/> makes one instance per task.</summary>
    public Topology AddProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut>(
        string name,
        Func<IProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut>> supplier,
        params string[] parentNames)
    {
        ArgumentNullException.ThrowIfNull(supplier);
        AddNode(new ProcessorDefinition<TKeyIn, TValueIn, TKeyOut, TValueOut>(name, supplier), parentNames);
        return this;
    }

    /// <summary>Adds a sink node writing what <paramref name="parentNames"/> forward to <paramref name="topic"/>.</summary>
    public Topology AddSink<TKey, TValue>(string name, string topic, ISerde<TKey> keySerde, ISerde<TValue> valueSerde, params string[] parentNames) =>
        AddSink(name, new TopicName(topic, IsInternal: false), keySerde, valueSerde, parentNames);

    /// <summary>Adds a state store, optionally connecting it to processors.</summary>
    public Topology AddStateStore(StoreBuilder store, params string[] processorNames)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!_stores.TryAdd(store.Name, store))
        {
            throw new InvalidOperationException($"A state store named '{store.Name}' is already in the topology.");
        }

        return ConnectProcessorAndStateStores(processorNames, store.Name);
    }

    /// <summary>Gives a processor access to stores already in the topology.</summary>
    public Topology ConnectProcessorAndStateStores(string processorName, params string[] storeNames) =>
        ConnectProcessorAndStateStores([processorName], storeNames);

    /// <summary>Sources, processors, stores and sinks, grouped by sub-topology.</summary>
    public TopologyDescription Describe() => TopologyDescription.Of(Subtopologies, _stores);

    /// <inheritdoc />
    public override string ToString() => Describe().ToString();

    internal IReadOnlyList<Subtopology> Subtopologies => _subtopologies ??= Subtopology.Partition(_nodes);

    internal IReadOnlyDictionary<string, StoreBuilder> Stores => _stores;

    internal bool HasNode(string name) => _nodesByName.ContainsKey(name);

    internal Topology AddSource<TKey, TValue>(
        string name,
        IReadOnlyList<TopicName> topics,
        ISerde<TKey> keySerde,
        ISerde<TValue> valueSerde,
        Func<TKey, TValue, long, long>? timestampExtractor)
    {
        ArgumentNullException.ThrowIfNull(keySerde);
        ArgumentNullException.ThrowIfNull(valueSerde);
        if (topics.Count == 0)
        {
            throw new ArgumentException($"Source '{name}' needs at least one topic.", nameof(topics));
        }

        foreach (var topic in topics)
        {
            if (_sourceNodeByTopic.TryGetValue(topic.ToString(), out var other))
            {
                throw new InvalidOperationException($"Topic '{topic}' is already read by source '{other}'; a topic can feed only one source.");
            }
        }

        AddNode(new SourceDefinition<TKey, TValue>(name, topics, keySerde, valueSerde, timestampExtractor), []);
        foreach (var topic in topics)
        {
            _sourceNodeByTopic[topic.ToString()] = name;
        }

        return this;
    }

    internal Topology AddSink<TKey, TValue>(string name, TopicName topic, ISerde<TKey> keySerde, ISerde<TValue> valueSerde, params string[] parentNames)
    {
        ArgumentNullException.ThrowIfNull(keySerde);
        ArgumentNullException.ThrowIfNull(valueSerde);
        AddNode(new SinkDefinition<TKey, TValue>(name, topic, keySerde, valueSerde), parentNames);
        return this;
    }

    internal Topology ConnectProcessorAndStateStores(IEnumerable<string> processorNames, params string[] storeNames)
    {
        foreach (var processorName in processorNames)
        {
            if (!_nodesByName.TryGetValue(processorName, out var node) || node.InputTypes is null || node.OutputTypes is null)
            {
                throw new InvalidOperationException($"Cannot connect stores to '{processorName}': there is no processor with that name.");
            }

            foreach (var storeName in storeNames)
            {
                if (!_stores.ContainsKey(storeName))
                {
                    throw new InvalidOperationException($"Cannot connect store '{storeName}' to processor '{processorName}': the topology has no such store.");
                }

                if (!node.StoreNames.Contains(storeName))
                {
                    node.StoreNames.Add(storeName);
                }
            }
        }

        _subtopologies = null;
        return this;
    }

    /// <summary>A new instance of the store named <paramref name="storeName"/>, for one task.</summary>
    internal IManagedStateStore BuildStore(string storeName) => _stores[storeName].Build();

    private void AddNode(NodeDefinition node, string[] parentNames)
    {
        if (string.IsNullOrWhiteSpace(node.Name))
        {
            throw new ArgumentException("A node needs a non-empty name.");
        }

        if (_nodesByName.ContainsKey(node.Name))
        {
            throw new InvalidOperationException($"The topology already has a node named '{node.Name}'.");
        }

        if (node.InputTypes is { } input)
        {
            if (parentNames.Length == 0)
            {
                throw new InvalidOperationException($"Node '{node.Name}' needs at least one parent.");
            }

            foreach (var parentName in parentNames)
            {
                if (!_nodesByName.TryGetValue(parentName, out var parent))
                {
                    throw new InvalidOperationException($"Node '{node.Name}' names parent '{parentName}', which is not in the topology (add parents first).");
                }

                if (parent.OutputTypes is not { } output)
                {
                    throw new InvalidOperationException($"Node '{node.Name}' cannot have sink '{parentName}' as its parent.");
                }

                if (output != input)
                {
                    throw new InvalidOperationException(
                        $"Node '{node.Name}' takes <{input.Key.Name}, {input.Value.Name}> but parent '{parentName}' forwards <{output.Key.Name}, {output.Value.Name}>.");
                }
            }
        }

        foreach (var parentName in parentNames)
        {
            var parent = _nodesByName[parentName];
            parent.Children.Add(node);
            node.Parents.Add(parent);
        }

        _nodes.Add(node);
        _nodesByName[node.Name] = node;
        _subtopologies = null;
    }
}
