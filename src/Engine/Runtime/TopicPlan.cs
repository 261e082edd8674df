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
        HashSet<string> changelogTopics,
        HashSet<string> repartitionTopics)
    {
        SubtopologyOfTopic = subtopologyOfTopic;
        SourceTopics = sourceTopics;
        Partitions = partitions;
        // The lowest sub-topology of each partition count anchors all of that count.
        AnchorOf = partitions.GroupBy(kv => kv.Value)
            .SelectMany(group => group.Select(kv => (Subtopology: kv.Key, Anchor: sourceTopics[group.Min(g => g.Key)][0])))
            .ToDictionary(a => a.Subtopology, a => a.Anchor);
        SubtopologiesOfAnchor = AnchorOf.GroupBy(kv => kv.Value, kv => kv.Key)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<int>)g.Order().ToList(), StringComparer.Ordinal);
        InternalTopics = internalTopics;
        ChangelogTopics = changelogTopics;
        RepartitionTopics = repartitionTopics;
    }

    /// <summary>
    /// The configuration of a repartition topic. Records are kept without a time limit because the broker's time retention
    /// judges a record by its timestamp, which is its event time: a backlog of events older than the retention would be
    /// deleted before the reading sub-topology got to it. Stream threads delete what their commits cover instead
    /// (<see cref="RepartitionPurger"/>); segments of 50 MiB return that space to the disk in reasonable steps.
    /// </summary>
    public static IReadOnlyDictionary<string, string> RepartitionTopicConfig { get; } = new Dictionary<string, string>
    {
        ["cleanup.policy"] = "delete",
        ["retention.ms"] = "-1",
        ["segment.bytes"] = "52428800",
    };

    public IReadOnlyDictionary<string, int> SubtopologyOfTopic { get; }

    /// <summary>Each sub-topology's source topics, sorted.</summary>
    public IReadOnlyDictionary<int, IReadOnlyList<string>> SourceTopics { get; }

    public IReadOnlyDictionary<int, int> Partitions { get; }

    public IReadOnlyList<TopicSpec> InternalTopics { get; }

    public IReadOnlySet<string> ChangelogTopics { get; }

    /// <summary>The repartition topics, which stream threads purge up to their committed offsets.</summary>
    public IReadOnlySet<string> RepartitionTopics { get; }

    /// <summary>
    /// The topics the consumer group subscribes to. The group assigns partition p of an anchor; the thread then runs
    /// task p of each sub-topology anchored there and reads partition p of their other (co-partitioned) topics too.
    /// librdkafka has no pluggable assignor: this keeps co-partitioned partitions together under the cooperative-sticky
    /// assignor, and sub-topologies of equal partition count share one anchor, so an instance that gets partition p of a
    /// user topic also gets the item task p rather than the assignor piling one sub-topology's tasks on one instance.
    /// </summary>
    public IEnumerable<string> AnchorTopics => SubtopologiesOfAnchor.Keys;

    /// <summary>Each anchor topic with the sub-topologies it anchors.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<int>> SubtopologiesOfAnchor { get; }

    /// <summary>Each sub-topology's anchor topic.</summary>
    public IReadOnlyDictionary<int, string> AnchorOf { get; }

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
        var partitions = SubtopologyPartitions(subtopologies, applicationId, counts);
        var internalTopics = new List<TopicSpec>();
        var changelogs = new HashSet<string>();
        var repartitions = new HashSet<string>();
        foreach (var subtopology in subtopologies)
        {
            var count = partitions[subtopology.Id];
            var topics = subtopology.SourceTopics.Select(t => t.Resolve(applicationId)).Distinct().Order(StringComparer.Ordinal).ToList();
            sourceTopics[subtopology.Id] = topics;
            foreach (var topic in topics)
            {
                subtopologyOfTopic[topic] = subtopology.Id;
            }

            // A repartition topic has the partition count of the sub-topology that reads it.
            foreach (var repartition in subtopology.SourceTopics.Where(t => t.IsInternal).Select(t => t.Resolve(applicationId)).Distinct())
            {
                repartitions.Add(repartition);
                internalTopics.Add(new TopicSpec(repartition, count, config.ReplicationFactor, RepartitionTopicConfig));
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

        return new TopicPlan(subtopologyOfTopic, sourceTopics, partitions, internalTopics, changelogs, repartitions);
    }

    /// <summary>
    /// Each sub-topology's partition count: that of its external source topics, which must agree (they are joined
    /// partition by partition), else the largest of the sub-topologies that write the repartition topics it reads.
    /// A repartition topic takes the count of its reader, as in Kafka Streams: a re-keyed stream can so meet topics of
    /// another partition count, and sub-topologies may feed each other both ways (users to items and back).
    /// </summary>
    private static Dictionary<int, int> SubtopologyPartitions(IReadOnlyList<Subtopology> subtopologies, string applicationId, Dictionary<string, int> counts)
    {
        var partitions = new Dictionary<int, int>();
        var writers = new Dictionary<string, List<int>>();
        foreach (var subtopology in subtopologies)
        {
            foreach (var sink in subtopology.SinkTopics.Where(t => t.IsInternal))
            {
                var name = sink.Resolve(applicationId);
                if (!writers.TryGetValue(name, out var ids))
                {
                    writers[name] = ids = [];
                }

                ids.Add(subtopology.Id);
            }

            var external = subtopology.SourceTopics.Where(t => !t.IsInternal).Select(t => t.Name).Distinct().Order(StringComparer.Ordinal)
                .Select(t => (Topic: t, Count: counts[t])).ToList();
            if (external.Select(t => t.Count).Distinct().Count() > 1)
            {
                throw new InvalidOperationException(
                    $"Sub-topology {subtopology.Id} joins topics that are not co-partitioned: "
                    + $"{string.Join(", ", external.Select(t => $"{t.Topic} ({t.Count} partitions)"))}. Give them the same number of partitions.");
            }

            if (external.Count > 0)
            {
                partitions[subtopology.Id] = external[0].Count;
            }
        }

        foreach (var subtopology in subtopologies)
        {
            var unwritten = subtopology.SourceTopics.Where(t => t.IsInternal).Select(t => t.Resolve(applicationId)).Where(t => !writers.ContainsKey(t)).ToList();
            if (unwritten.Count > 0)
            {
                throw new InvalidOperationException($"Sub-topology {subtopology.Id} reads {string.Join(", ", unwritten)}, which no sub-topology writes.");
            }
        }

        // Sub-topologies fed only by repartition topics take their count from upstream, in as many rounds as the chain is long.
        for (var resolved = true; resolved;)
        {
            resolved = false;
            foreach (var subtopology in subtopologies.Where(s => !partitions.ContainsKey(s.Id)))
            {
                var upstream = subtopology.SourceTopics.SelectMany(t => writers[t.Resolve(applicationId)]).Where(partitions.ContainsKey).Select(id => partitions[id]).ToList();
                if (upstream.Count > 0)
                {
                    partitions[subtopology.Id] = upstream.Max();
                    resolved = true;
                }
            }
        }

        var cyclic = subtopologies.Where(s => !partitions.ContainsKey(s.Id)).Select(s => s.Id).ToList();
        if (cyclic.Count > 0)
        {
            throw new InvalidOperationException(
                $"Sub-topologies {string.Join(", ", cyclic)} read only repartition topics that they write to each other: no source topic gives them a partition count.");
        }

        return partitions;
    }
}
