namespace Streams.Engine.Runtime;

/// <summary>
/// Creates and inspects topics. The runtime uses it for its internal topics (changelogs, repartition topics): on a
/// real cluster through the Admin API, on the embedded cluster through the mock's own API.
/// </summary>
public interface ITopicAdmin
{
    /// <summary>The partition counts of those of <paramref name="topics"/> that exist.</summary>
    Task<IReadOnlyDictionary<string, int>> PartitionCountsAsync(IEnumerable<string> topics, CancellationToken cancellationToken);

    /// <summary>Creates topics that do not exist yet; existing ones are left as they are.</summary>
    Task CreateTopicsAsync(IEnumerable<TopicSpec> topics, CancellationToken cancellationToken);
}

/// <summary>A topic to create: name, partitions, replication factor and topic-level configuration.</summary>
public sealed record TopicSpec(string Name, int Partitions, short ReplicationFactor = -1, IReadOnlyDictionary<string, string>? Config = null);
