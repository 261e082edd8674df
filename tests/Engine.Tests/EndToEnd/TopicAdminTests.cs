using Streams.Engine.Runtime;
using Xunit.Abstractions;

namespace Streams.Engine.Tests.EndToEnd;

/// <summary>
/// What the runtime and the topic admin do to a cluster: nothing is created by looking at it (a stock broker auto-creates
/// a topic that a metadata request names), internal topics get their sub-topology's partitions and their configs and are
/// usable when start-up returns, and a mismatch stops start-up with the topic named.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class TopicAdminTests(KafkaClusterFixture kafka, ITestOutputHelper output) : EngineEndToEndTest(kafka)
{
    private KafkaTopicAdmin NewAdmin() => new([new("bootstrap.servers", Kafka.BootstrapServers)]);

    [Fact]
    public async Task Looking_at_topics_that_do_not_exist_creates_none_of_them()
    {
        var missing = Name("never-created");
        using var admin = NewAdmin();

        Assert.Empty(await admin.PartitionCountsAsync([missing], CancellationToken.None));
        Assert.Empty(await Kafka.TopicAdmin.PartitionCountsAsync([missing], CancellationToken.None));
        await Task.Delay(500);   // a broker that auto-creates does so right after the metadata request

        Assert.DoesNotContain(missing, Kafka.ClusterTopics());
    }

    [Fact]
    public async Task A_topology_whose_source_topic_is_missing_does_not_start_names_the_topic_and_creates_nothing()
    {
        var input = Name("absent-input");
        var outputTopic = Name("counts");
        await Kafka.CreateTopicAsync(outputTopic, 2);
        var application = Name("missing-source-app");
        await using var streams = new KafkaStreams(CountPerKey(input, outputTopic), Kafka.StreamsConfig(application, StateDir("a")), Kafka.TopicAdmin);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => streams.StartAsync());

        Assert.Contains($"'{input}'", error.Message, StringComparison.Ordinal);
        var topics = Kafka.ClusterTopics();
        Assert.DoesNotContain(input, topics);
        Assert.DoesNotContain(topics, topic => topic.StartsWith(application, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_topology_whose_output_topic_is_missing_does_not_start_names_the_topic_and_creates_nothing()
    {
        var input = Name("input");
        var outputTopic = Name("absent-output");
        await Kafka.CreateTopicAsync(input, 2);
        await using var streams = new KafkaStreams(CountPerKey(input, outputTopic), Kafka.StreamsConfig(Name("missing-sink-app"), StateDir("a")), Kafka.TopicAdmin);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => streams.StartAsync());

        Assert.Contains($"Output topic(s) '{outputTopic}'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(outputTopic, Kafka.ClusterTopics());
    }

    [Fact]
    public async Task Internal_topics_have_their_subtopology_partitions_when_start_returns_and_each_input_partition_gets_a_task()
    {
        var input = Name("input");
        var outputTopic = Name("counts");
        await Kafka.CreateTopicAsync(input, 3);
        await Kafka.CreateTopicAsync(outputTopic, 3);
        var application = Name("internal-topics-app");
        await using var streams = new KafkaStreams(CountPerKey(input, outputTopic), Kafka.StreamsConfig(application, StateDir("a")), Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "a"));

        await streams.StartAsync();
        using var admin = NewAdmin();
        var counts = await admin.PartitionCountsAsync([$"{application}-counts-changelog", $"{application}-dlq"], CancellationToken.None);
        await WaitForRunningAsync(streams);

        Assert.Equal(3, counts[$"{application}-counts-changelog"]);
        Assert.True(counts.ContainsKey($"{application}-dlq"), "the dead-letter topic exists once start-up returns");
        Assert.Equal(StreamsState.Running, streams.State);
        Assert.Equal([0, 1, 2], streams.Tasks.Select(task => task.Id.Partition).Order());
    }

    [RealBrokerFact]
    public async Task Changelogs_are_created_compacted_and_dead_letter_topics_are_not()
    {
        var input = Name("input");
        var outputTopic = Name("counts");
        await Kafka.CreateTopicAsync(input, 2);
        await Kafka.CreateTopicAsync(outputTopic, 2);
        var application = Name("compaction-app");
        await using var streams = new KafkaStreams(CountPerKey(input, outputTopic), Kafka.StreamsConfig(application, StateDir("a")), Kafka.TopicAdmin);
        await streams.StartAsync();

        using var admin = NewAdmin();
        var policies = await admin.CleanupPoliciesAsync([$"{application}-counts-changelog", $"{application}-dlq"], CancellationToken.None);

        Assert.Equal("compact", policies[$"{application}-counts-changelog"]);
        Assert.Equal("delete", policies[$"{application}-dlq"]);
    }

    [RealBrokerFact]
    public async Task The_admin_creates_topics_with_their_partitions_and_configs_and_leaves_existing_ones_as_they_are()
    {
        var compacted = Name("compacted");
        var existing = Name("existing");
        await Kafka.CreateTopicAsync(existing, 1);
        using var admin = NewAdmin();

        await admin.CreateTopicsAsync(
            [new TopicSpec(compacted, 5, Config: new Dictionary<string, string> { ["cleanup.policy"] = "compact" }), new TopicSpec(existing, 3)],
            CancellationToken.None);

        var counts = await admin.PartitionCountsAsync([compacted, existing], CancellationToken.None);
        Assert.Equal(5, counts[compacted]);
        Assert.Equal(1, counts[existing]);
        Assert.Equal("compact", (await admin.CleanupPoliciesAsync([compacted], CancellationToken.None))[compacted]);
    }

    [Fact]
    public async Task An_internal_topic_with_another_partition_count_stops_start_up_naming_it()
    {
        var input = Name("input");
        var outputTopic = Name("counts");
        await Kafka.CreateTopicAsync(input, 4);
        await Kafka.CreateTopicAsync(outputTopic, 4);
        var application = Name("mismatch-app");
        await Kafka.CreateTopicAsync($"{application}-counts-changelog", 2);
        await using var streams = new KafkaStreams(CountPerKey(input, outputTopic), Kafka.StreamsConfig(application, StateDir("a")), Kafka.TopicAdmin);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => streams.StartAsync());

        Assert.Contains($"'{application}-counts-changelog' has 2 partitions but its sub-topology has 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_topic_admin_given_to_the_runtime_stays_usable_after_the_runtime_is_disposed()
    {
        var input = Name("input");
        var outputTopic = Name("counts");
        var application = Name("shared-admin-app");
        await Kafka.CreateTopicAsync(input, 2);
        await Kafka.CreateTopicAsync(outputTopic, 2);
        await Kafka.CreateTopicAsync($"{application}-counts-changelog", 2);
        await Kafka.CreateTopicAsync($"{application}-dlq", 2);
        using var shared = NewAdmin();

        await using (var streams = new KafkaStreams(CountPerKey(input, outputTopic), Kafka.StreamsConfig(application, StateDir("a")), shared))
        {
            await streams.StartAsync();
            await WaitForRunningAsync(streams);
        }

        Assert.Equal(2, (await shared.PartitionCountsAsync([input], CancellationToken.None))[input]);
    }
}
