namespace Streams.Engine.Runtime;

/// <summary>
/// Creates and inspects topics. The runtime uses it for its internal topics (changelogs, repartition topics): on a
/// real cluster through the Admin API, on the embedded cluster through the mock's own API. Looking at a topic never
/// creates it, whatever the broker's <c>auto.create.topics.enable</c>.
/// </summary>
public interface ITopicAdmin
{
    /// <summary>The partition counts of those of <paramref name="topics"/> that exist.</summary>
    Task<IReadOnlyDictionary<string, int>> PartitionCountsAsync(IEnumerable<string> topics, CancellationToken cancellationToken);

    /// <summary>
    /// Creates topics that do not exist yet (existing ones are left as they are) and returns once every one of
    /// <paramref name="topics"/> is visible in the cluster's metadata with a leader for each partition, so that clients
    /// can use them at once; throws naming the topics that do not appear in time.
    /// </summary>
    Task CreateTopicsAsync(IEnumerable<TopicSpec> topics, CancellationToken cancellationToken);
}
