using Streams.Engine.Graph;
using Streams.Engine.State;

namespace Streams.Engine.Tasks;

/// <summary>The running nodes and stores of one task, in the order they were declared (parents before children).</summary>
internal sealed record TaskGraph(Subtopology Subtopology, IReadOnlyList<RuntimeNode> Nodes, Dictionary<string, IManagedStateStore> Stores)
{
    /// <summary>Creates the nodes and stores of sub-topology <paramref name="subtopologyId"/> for one task.</summary>
    public static TaskGraph Build(Topology topology, int subtopologyId)
    {
        var subtopology = topology.Subtopologies[subtopologyId];
        var nodes = new Dictionary<string, RuntimeNode>();
        foreach (var definition in subtopology.Nodes)
        {
            nodes[definition.Name] = definition.Accept(NodeFactory.Instance);
        }

        foreach (var definition in subtopology.Nodes)
        {
            foreach (var child in definition.Children)
            {
                nodes[definition.Name].Children.Add(nodes[child.Name]);
            }
        }

        var stores = subtopology.StoreNames.ToDictionary(name => name, topology.BuildStore);
        return new TaskGraph(subtopology, subtopology.Nodes.Select(definition => nodes[definition.Name]).ToList(), stores);
    }

    private sealed class NodeFactory : INodeVisitor<RuntimeNode>
    {
        public static readonly NodeFactory Instance = new();

        public RuntimeNode VisitSource<TKey, TValue>(SourceDefinition<TKey, TValue> source) =>
            new SourceNode<TKey, TValue>(source.Name, source.KeySerde, source.ValueSerde, source.TimestampExtractor);

        public RuntimeNode VisitProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut>(ProcessorDefinition<TKeyIn, TValueIn, TKeyOut, TValueOut> processor) =>
            new ProcessorNode<TKeyIn, TValueIn, TKeyOut, TValueOut>(processor.Name, processor.NewProcessor());

        public RuntimeNode VisitSink<TKey, TValue>(SinkDefinition<TKey, TValue> sink) =>
            new SinkNode<TKey, TValue>(sink.Name, sink.Topic, sink.KeySerde, sink.ValueSerde);
    }
}
