using Streams.Engine.Graph;
using Streams.Engine.Queries;
using Streams.Engine.State;

namespace Streams.Engine.Runtime;

/// <summary>
/// The topics a running topology uses, resolved for one application id: each sub-topology's source topics and
/// partition count, the anchor topic its tasks are assigned by, and the internal topics (repartition topics,
/// changelogs, the dead-letter topic), created at start-up.
/// </summary>
internal sealed class TopicPlan
{
    private TopicPlan(
        Dictionary<string, int> subtopologyOfTopic,
        Dictionary<int, IReadOnlyList<string>> sourceTopics,
        Dictionary<int, int> partitions,
        List<TopicSpec> internalTopics,
        HashSet<string> changelogTopics)
    {
        SubtopologyOfTopic = subtopologyOfTopic;
        SourceTopics = sourceTopics;
        Partitions = partitions;
        InternalTopics = internalTopics;
        ChangelogTopics = changelogTopics;
    }

    public IReadOnlyDictionary<string, int> SubtopologyOfTopic { get; }

    /// <summary>Each sub-topology's source topics, sorted; the first is its anchor.</summary>
    public IReadOnlyDictionary<int, IReadOnlyList<string>> SourceTopics { get; }

    public IReadOnlyDictionary<int, int> Partitions { get; }

    public IReadOnlyList<TopicSpec> InternalTopics { get; }

    public IReadOnlySet<string> ChangelogTopics { get; }

    /// <summary>
    /// The topics the consumer group subscribes to: one per sub-topology. The group assigns partition p of an anchor;
    /// the thread then reads partition p of the sub-topology's other (co-partitioned) topics too. librdkafka has no
    /// pluggable assignor, and this keeps co-partitioned partitions together under the cooperative-sticky assignor.
    /// </summary>
    public IEnumerable<string> AnchorTopics => SourceTopics.Values.Select(topics => topics[0]);

    public static async Task<TopicPlan> PrepareAsync(Topology topology, StreamsConfig config, ITopicAdmin admin, CancellationToken cancellationToken)
    {
        var applicationId = config.ApplicationId;
        var subtopologies = topology.Subtopologies;
        if (subtopologies.Count == 0)
        {
            throw new InvalidOperationException("The topology is empty: add at least one source.");
        }

        // Sources and sinks outside the application are the user's to create: a producer or consumer that found one
        // missing would otherwise, on a broker with auto.create.topics.enable, get it with the broker's defaults.
        var external = subtopologies.SelectMany(s => s.SourceTopics).Where(t => !t.IsInternal).Select(t => t.Name).Distinct().ToList();
        var sinks = subtopologies.SelectMany(s => s.SinkTopics).Where(t => !t.IsInternal).Select(t => t.Name).Distinct().Except(external).ToList();
        var counts = new Dictionary<string, int>(await admin.PartitionCountsAsync(external.Concat(sinks), cancellationToken).ConfigureAwait(false));
        var missing = external.Where(topic => !counts.ContainsKey(topic)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"Source topic(s) {string.Join(", ", missing.Select(t => $"'{t}'"))} do not exist; create them before starting.");
        }

        var missingSinks = sinks.Where(topic => !counts.ContainsKey(topic)).ToList();
        if (missingSinks.Count > 0)
        {
            throw new InvalidOperationException($"Output topic(s) {string.Join(", ", missingSinks.Select(t => $"'{t}'"))} do not exist; create them before starting.");
        }

        var subtopologyOfTopic = new Dictionary<string, int>();
        var sourceTopics = new Dictionary<int, IReadOnlyList<string>>();
        var partitions = new Dictionary<int, int>();
        var internalTopics = new List<TopicSpec>();
        var changelogs = new HashSet<string>();

        // Repartition topics are written by an earlier sub-topology (lower id) than the one that reads them.
        foreach (var subtopology in subtopologies)
        {
            var topics = subtopology.SourceTopics.Select(t => t.Resolve(applicationId)).Distinct().Order(StringComparer.Ordinal).ToList();
            var topicCounts = topics.Select(t => (Topic: t, Count: counts.GetValueOrDefault(t, -1))).ToList();
            if (topicCounts.Any(t => t.Count < 0))
            {
                var unwritten = string.Join(", ", topicCounts.Where(t => t.Count < 0).Select(t => t.Topic));
                throw new InvalidOperationException($"Sub-topology {subtopology.Id} reads {unwritten}, which no sub-topology writes.");
            }

            if (topicCounts.Select(t => t.Count).Distinct().Count() > 1)
            {
                throw new InvalidOperationException(
                    $"Sub-topology {subtopology.Id} joins topics that are not co-partitioned: "
                    + $"{string.Join(", ", topicCounts.Select(t => $"{t.Topic} ({t.Count} partitions)"))}. Give them the same number of partitions.");
            }

            var count = topicCounts[0].Count;
            partitions[subtopology.Id] = count;
            sourceTopics[subtopology.Id] = topics;
            foreach (var topic in topics)
            {
                subtopologyOfTopic[topic] = subtopology.Id;
            }

            foreach (var sink in subtopology.SinkTopics.Where(t => t.IsInternal))
            {
                var name = sink.Resolve(applicationId);
                counts[name] = count;
                internalTopics.Add(new TopicSpec(name, count, config.ReplicationFactor, new Dictionary<string, string> { ["cleanup.policy"] = "delete" }));
            }

            foreach (var storeName in subtopology.StoreNames)
            {
                var store = topology.Stores[storeName];
                if (!store.LoggingEnabled)
                {
                    continue;
                }

                var changelog = StateStoreContext.ChangelogTopicName(applicationId, storeName);
                changelogs.Add(changelog);
                internalTopics.Add(new TopicSpec(changelog, count, config.ReplicationFactor, store.ChangelogConfig));
            }
        }

        if (config.DeserializationErrorPolicy == ErrorPolicy.DeadLetter || config.ProcessingErrorPolicy == ErrorPolicy.DeadLetter)
        {
            // Created if missing; an existing dead-letter topic keeps its own partition count.
            internalTopics.Add(new TopicSpec(config.EffectiveDeadLetterTopic, partitions.Values.Max(), config.ReplicationFactor));
        }

        if (config.UsesInstanceDirectory)
        {
            internalTopics.Add(InstanceDirectory.Topic(config));
        }

        // Returns once every internal topic is visible with its partitions.
        await admin.CreateTopicsAsync(internalTopics, cancellationToken).ConfigureAwait(false);
        var created = await admin.PartitionCountsAsync(internalTopics.Select(t => t.Name), cancellationToken).ConfigureAwait(false);
        foreach (var topic in internalTopics)
        {
            if (!created.TryGetValue(topic.Name, out var actual))
            {
                throw new InvalidOperationException($"Internal topic '{topic.Name}' could not be created.");
            }

            if (actual != topic.Partitions && topic.Name != config.EffectiveDeadLetterTopic && topic.Name != InstanceDirectory.TopicName(config.ApplicationId))
            {
                throw new InvalidOperationException(
                    $"Internal topic '{topic.Name}' has {actual} partitions but its sub-topology has {topic.Partitions}: "
                    + "delete it (and the local state) or restore the source topics' partition counts.");
            }
        }

        return new TopicPlan(subtopologyOfTopic, sourceTopics, partitions, internalTopics, changelogs);
    }
}
