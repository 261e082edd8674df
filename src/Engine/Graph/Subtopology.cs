namespace Streams.Engine.Graph;

/// <summary>
/// A connected part of the topology: nodes linked by edges or by a shared store. Its source topics must be
/// co-partitioned, because one task reads the same partition of each of them.
/// </summary>
internal sealed class Subtopology(int id, IReadOnlyList<NodeDefinition> nodes)
{
    public int Id { get; } = id;

    public IReadOnlyList<NodeDefinition> Nodes { get; } = nodes;

    public IEnumerable<TopicName> SourceTopics => Nodes.OfType<ISourceDefinition>().SelectMany(source => source.Topics);

    public IEnumerable<TopicName> SinkTopics => Nodes.OfType<ISinkDefinition>().Select(sink => sink.Topic);

    public IReadOnlyList<string> StoreNames => Nodes.SelectMany(node => node.StoreNames).Distinct().ToList();

    /// <summary>Splits the nodes into sub-topologies, numbered in the order of their first declared node.</summary>
    public static IReadOnlyList<Subtopology> Partition(IReadOnlyList<NodeDefinition> nodes)
    {
        var index = new Dictionary<NodeDefinition, int>();
        for (var i = 0; i < nodes.Count; i++)
        {
            index[nodes[i]] = i;
        }

        var parent = Enumerable.Range(0, nodes.Count).ToArray();
        int Find(int x)
        {
            while (parent[x] != x)
            {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }

            return x;
        }

        void Union(int a, int b)
        {
            var rootA = Find(a);
            var rootB = Find(b);
            if (rootA != rootB)
            {
                parent[Math.Max(rootA, rootB)] = Math.Min(rootA, rootB);
            }
        }

        var firstUserOfStore = new Dictionary<string, int>();
        for (var i = 0; i < nodes.Count; i++)
        {
            foreach (var child in nodes[i].Children)
            {
                Union(i, index[child]);
            }

            foreach (var store in nodes[i].StoreNames)
            {
                if (firstUserOfStore.TryGetValue(store, out var other))
                {
                    Union(i, other);
                }
                else
                {
                    firstUserOfStore[store] = i;
                }
            }
        }

        var groups = new SortedDictionary<int, List<NodeDefinition>>();
        for (var i = 0; i < nodes.Count; i++)
        {
            var root = Find(i);
            if (!groups.TryGetValue(root, out var group))
            {
                groups[root] = group = [];
            }

            group.Add(nodes[i]);
        }

        return groups.Values.Select((group, id) => new Subtopology(id, group)).ToList();
    }
}

internal interface ISourceDefinition
{
    IReadOnlyList<TopicName> Topics { get; }
}

internal interface ISinkDefinition
{
    TopicName Topic { get; }
}
