using System.Text;
using Streams.Engine.State;

namespace Streams.Engine.Graph;

/// <summary>What a topology is made of, by sub-topology: the counterpart of Kafka Streams' TopologyDescription.</summary>
public sealed class TopologyDescription
{
    private TopologyDescription(IReadOnlyList<SubtopologyDescription> subtopologies, IReadOnlyList<StoreDescription> stores)
    {
        Subtopologies = subtopologies;
        Stores = stores;
    }

    /// <summary>The sub-topologies; each runs as one task per input partition.</summary>
    public IReadOnlyList<SubtopologyDescription> Subtopologies { get; }

    /// <summary>The state stores.</summary>
    public IReadOnlyList<StoreDescription> Stores { get; }

    /// <summary>Every node of every sub-topology.</summary>
    public IEnumerable<NodeDescription> Nodes => Subtopologies.SelectMany(subtopology => subtopology.Nodes);

    /// <summary>
    /// The internal topics the topology uses under <paramref name="applicationId"/>: store changelogs and repartition
    /// topics. The runtime creates them; a cluster without CreateTopics (the embedded mock, to a client other than its
    /// own admin) needs them created beforehand.
    /// </summary>
    public IReadOnlyList<string> InternalTopics(string applicationId) =>
        Stores.Select(store => store.Changelog).OfType<string>()
            .Concat(Nodes.SelectMany(node => node.Topics))
            .Where(topic => topic.StartsWith(TopicName.ApplicationIdPlaceholder, StringComparison.Ordinal))
            .Select(topic => applicationId + topic[TopicName.ApplicationIdPlaceholder.Length..])
            .Distinct(StringComparer.Ordinal)
            .ToList();

    /// <inheritdoc />
    public override string ToString()
    {
        var text = new StringBuilder("Topology\n");
        foreach (var subtopology in Subtopologies)
        {
            text.Append("  Sub-topology ").Append(subtopology.Id).Append('\n');
            foreach (var node in subtopology.Nodes)
            {
                text.Append("    ").Append(node.Kind).Append(": ").Append(node.Name);
                if (node.Topics.Count > 0)
                {
                    text.Append(" (topics: ").AppendJoin(", ", node.Topics).Append(')');
                }

                if (node.Stores.Count > 0)
                {
                    text.Append(" (stores: ").AppendJoin(", ", node.Stores).Append(')');
                }

                text.Append('\n');
                foreach (var successor in node.Successors)
                {
                    text.Append("      --> ").Append(successor).Append('\n');
                }

                foreach (var predecessor in node.Predecessors)
                {
                    text.Append("      <-- ").Append(predecessor).Append('\n');
                }
            }
        }

        if (Stores.Count > 0)
        {
            text.Append("  Stores\n");
            foreach (var store in Stores)
            {
                text.Append("    ").Append(store.Name).Append(": ").Append(store.Type)
                    .Append(store.Changelog is null ? ", not logged" : $", logged to {store.Changelog}").Append('\n');
            }
        }

        return text.ToString();
    }

    internal static TopologyDescription Of(IReadOnlyList<Subtopology> subtopologies, IReadOnlyDictionary<string, StoreBuilder> stores)
    {
        var described = subtopologies.Select(subtopology => new SubtopologyDescription(
            subtopology.Id,
            subtopology.Nodes.Select(Describe).ToList())).ToList();
        var storeDescriptions = stores.Values
            .Select(store => new StoreDescription(store.Name, store.Type, store.LoggingEnabled ? $"{TopicName.ApplicationIdPlaceholder}-{store.Name}-changelog" : null))
            .ToList();
        return new TopologyDescription(described, storeDescriptions);
    }

    private static NodeDescription Describe(NodeDefinition node)
    {
        var (kind, topics) = node switch
        {
            ISourceDefinition source => (NodeKind.Source, source.Topics.Select(topic => topic.ToString()).ToList()),
            ISinkDefinition sink => (NodeKind.Sink, [sink.Topic.ToString()]),
            _ => (NodeKind.Processor, new List<string>()),
        };
        return new NodeDescription(
            node.Name,
            kind,
            topics,
            node.StoreNames.ToList(),
            node.Parents.Select(parent => parent.Name).ToList(),
            node.Children.Select(child => child.Name).ToList());
    }
}
