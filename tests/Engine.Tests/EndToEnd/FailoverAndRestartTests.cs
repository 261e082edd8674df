using Confluent.Kafka;
using Streams.Engine.Dsl;
using Streams.Engine.Runtime;
using Streams.Engine.Serialization;
using Xunit.Abstractions;

namespace Streams.Engine.Tests.EndToEnd;

[Collection(KafkaCollection.Name)]
public sealed class FailoverAndRestartTests(KafkaClusterFixture kafka, ITestOutputHelper output) : EngineEndToEndTest(kafka)
{
    private const int Keys = 40;

    /// <summary>Reads the output until every key's latest count is <paramref name="count"/>; returns all updates read.</summary>
    private List<ConsumeResult<string, long>> ReadUntilAllKeysCount(string topic, long count)
    {
        var latest = new Dictionary<string, long>();
        var read = 0;
        return Kafka.ReadUntil(topic, Deserializers.Utf8, Serdes.Int64, records =>
        {
            for (; read < records.Count; read++)
            {
                latest[records[read].Message.Key] = records[read].Message.Value;
            }

            return latest.Count == Keys && latest.Values.All(value => value == count);
        }, TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task Two_instances_split_the_partitions_and_the_survivor_takes_over_and_restores_the_state_of_a_closed_one()
    {
        var input = Name("clicks");
        var outputTopic = Name("click-counts");
        await Kafka.CreateTopicAsync(input, 4);
        await Kafka.CreateTopicAsync(outputTopic, 4);
        var application = Name("failover-app");
        await using var first = new KafkaStreams(CountPerKey(input, outputTopic), Kafka.StreamsConfig(application, StateDir("first")), Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "first"));
        await using var second = new KafkaStreams(
            CountPerKey(input, outputTopic), Kafka.StreamsConfig(application, StateDir("second")), Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "second"));
        await first.StartAsync();
        await WaitForRunningAsync(first);
        await second.StartAsync();
        await WaitForAsync(
            () => first.State == StreamsState.Running && second.State == StreamsState.Running && first.Tasks.Count == 2 && second.Tasks.Count == 2,
            TimeSpan.FromSeconds(60),
            "the two instances to share the four tasks");

        ProduceKeyRounds(input, Keys, 3);
        Assert.Equal(Keys, Latest(ReadUntilAllKeysCount(outputTopic, 3)).Count);

        var secondTasks = second.Tasks.Select(task => task.Id).ToHashSet();
        Assert.True(await second.CloseAsync(TimeSpan.FromSeconds(30)));
        await WaitForAsync(() => first.State == StreamsState.Running && first.Tasks.Count == 4, TimeSpan.FromSeconds(60), "the survivor to own all tasks");
        ProduceKeyRounds(input, Keys, 2);

        var latest = Latest(ReadUntilAllKeysCount(outputTopic, 5));
        output.WriteLine($"restored on takeover: {first.Metrics.CounterTotal(RuntimeMetrics.RestoredRecords)} records; took over {string.Join(", ", secondTasks)}");
        Assert.All(latest.Values, count => Assert.Equal(5, count));
        Assert.True(first.Metrics.CounterTotal(RuntimeMetrics.RestoredRecords) > 0, "the survivor rebuilt the taken-over stores from their changelogs");
        Assert.Equal(StreamsState.Running, first.State);
    }

    [Fact]
    public async Task A_restart_under_at_least_once_resumes_from_committed_offsets_and_restores_state_from_the_changelog()
    {
        var input = Name("clicks");
        var outputTopic = Name("click-counts");
        await Kafka.CreateTopicAsync(input, 2);
        await Kafka.CreateTopicAsync(outputTopic, 2);
        var application = Name("restart-app");

        // Without the record cache every update is its own changelog record, which makes the restored counts exact.
        StreamsConfig Config(string disk)
        {
            var config = Kafka.StreamsConfig(application, StateDir(disk));
            config.StateStoreCacheMaxBytes = 0;
            return config;
        }

        await using (var firstRun = new KafkaStreams(CountPerKey(input, outputTopic), Config("disk-a"), Kafka.TopicAdmin))
        {
            await firstRun.StartAsync();
            ProduceKeyRounds(input, Keys, 3);
            ReadUntilAllKeysCount(outputTopic, 3);
            Assert.True(await firstRun.CloseAsync());
        }

        // A new machine: empty local state, so every store is rebuilt from its changelog.
        await using (var onNewDisk = new KafkaStreams(CountPerKey(input, outputTopic), Config("disk-b"), Kafka.TopicAdmin))
        {
            await onNewDisk.StartAsync();
            await WaitForRunningAsync(onNewDisk);
            ProduceKeyRounds(input, Keys, 2);
            var updates = ReadUntilAllKeysCount(outputTopic, 5);
            Assert.Equal(5 * Keys, updates.Count);   // nothing before the committed offsets was processed again
            Assert.Equal(3 * Keys, onNewDisk.Metrics.CounterTotal(RuntimeMetrics.RestoredRecords));
            Assert.True(await onNewDisk.CloseAsync());
        }

        // Back on the first disk: its checkpoint is behind, so only the newer changelog records are restored.
        await using var back = new KafkaStreams(CountPerKey(input, outputTopic), Config("disk-a"), Kafka.TopicAdmin);
        await back.StartAsync();
        await WaitForRunningAsync(back);
        ProduceKeyRounds(input, Keys, 1);
        Assert.All(Latest(ReadUntilAllKeysCount(outputTopic, 6)).Values, count => Assert.Equal(6, count));
        Assert.Equal(2 * Keys, back.Metrics.CounterTotal(RuntimeMetrics.RestoredRecords));
    }

    [Fact]
    public async Task A_store_with_logging_disabled_starts_empty_after_a_restart_on_the_same_disk()
    {
        var input = Name("clicks");
        var outputTopic = Name("click-counts");
        await Kafka.CreateTopicAsync(input, 2);
        await Kafka.CreateTopicAsync(outputTopic, 2);
        var application = Name("unlogged-app");
        Graph.Topology UnloggedCount()
        {
            var builder = new StreamsBuilder();
            builder.Stream(input, Serdes.String, Serdes.String)
                .GroupByKey()
                .Count(Materialized.As("counts") with { LoggingEnabled = false })
                .ToStream()
                .To(outputTopic, Serdes.String, Serdes.Int64);
            return builder.Build();
        }

        await using (var before = new KafkaStreams(UnloggedCount(), Kafka.StreamsConfig(application, StateDir("disk")), Kafka.TopicAdmin))
        {
            await before.StartAsync();
            ProduceKeyRounds(input, Keys, 3);
            ReadUntilAllKeysCount(outputTopic, 3);
            Assert.True(await before.CloseAsync());
        }

        Assert.NotEmpty(Directory.EnumerateFiles(StateDir("disk"), "*.sst", SearchOption.AllDirectories));
        await using var after = new KafkaStreams(UnloggedCount(), Kafka.StreamsConfig(application, StateDir("disk")), Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "after"));
        await after.StartAsync();
        await WaitForRunningAsync(after);
        ProduceKeyRounds(input, Keys, 1);

        // The counts RocksDB left on disk are not served: with no changelog to check them against, the store starts
        // empty, so the next round counts 1, not 4.
        var updates = Kafka.ReadUntil(outputTopic, Deserializers.Utf8, Serdes.Int64, records => records.Count >= 4 * Keys, TimeSpan.FromSeconds(90));
        Assert.Equal(4 * Keys, updates.Count);
        Assert.All(Latest(updates).Values, count => Assert.Equal(1, count));
        Assert.Equal(0, after.Metrics.CounterTotal(RuntimeMetrics.RestoredRecords));
        Assert.DoesNotContain(Kafka.ClusterTopics(), topic => topic.StartsWith(application, StringComparison.Ordinal) && topic.EndsWith("-changelog", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Local_state_whose_checkpoint_is_past_the_end_of_its_changelog_is_wiped_and_rebuilt_not_served()
    {
        // Yesterday's state directory meets a changelog that does not hold it (a new cluster, a recreated changelog):
        // the local counts must not be served as today's.
        var application = Name("stale-app");
        var oldInput = Name("old-clicks");
        var oldOutput = Name("old-counts");
        await Kafka.CreateTopicAsync(oldInput, 2);
        await Kafka.CreateTopicAsync(oldOutput, 2);
        var previous = Name("previous-app");
        await using (var yesterday = new KafkaStreams(CountPerKey(oldInput, oldOutput), Kafka.StreamsConfig(previous, StateDir("disk")), Kafka.TopicAdmin))
        {
            await yesterday.StartAsync();
            ProduceKeyRounds(oldInput, Keys, 3);
            ReadUntilAllKeysCount(oldOutput, 3);
            Assert.True(await yesterday.CloseAsync());
        }

        CopyDirectory(Path.Combine(StateDir("disk"), previous), Path.Combine(StateDir("disk"), application));
        var input = Name("clicks");
        var outputTopic = Name("click-counts");
        await Kafka.CreateTopicAsync(input, 2);
        await Kafka.CreateTopicAsync(outputTopic, 2);
        await using var today = new KafkaStreams(CountPerKey(input, outputTopic), Kafka.StreamsConfig(application, StateDir("disk")), Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "today"));
        await today.StartAsync();
        await WaitForRunningAsync(today);
        ProduceKeyRounds(input, Keys, 1);

        var latest = Latest(ReadUntilAllKeysCount(outputTopic, 1));
        Assert.All(latest.Values, count => Assert.Equal(1, count));
        Assert.Equal(2, today.Metrics.CounterTotal(RuntimeMetrics.StoresWiped));   // one store in each of two tasks
    }

    [RealBrokerFact]
    public async Task After_an_application_reset_a_restart_on_the_same_disk_starts_from_empty_state()
    {
        var input = Name("clicks");
        var outputTopic = Name("click-counts");
        await Kafka.CreateTopicAsync(input, 2);
        await Kafka.CreateTopicAsync(outputTopic, 2);
        var application = Name("reset-app");
        await using (var before = new KafkaStreams(CountPerKey(input, outputTopic), Kafka.StreamsConfig(application, StateDir("disk")), Kafka.TopicAdmin))
        {
            await before.StartAsync();
            ProduceKeyRounds(input, Keys, 3);
            ReadUntilAllKeysCount(outputTopic, 3);
            Assert.True(await before.CloseAsync());
        }

        // The reset: internal topics and the group's offsets deleted; the input is processed again from its start.
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Kafka.BootstrapServers }).Build())
        {
            await admin.DeleteTopicsAsync([$"{application}-counts-changelog", $"{application}-dlq"]);
            await admin.DeleteGroupsAsync([application]);
            await WaitForAsync(() => !Kafka.ClusterTopics().Contains($"{application}-counts-changelog"), TimeSpan.FromSeconds(30), "the changelog to be deleted");
        }

        await using var after = new KafkaStreams(CountPerKey(input, outputTopic), Kafka.StreamsConfig(application, StateDir("disk")), Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "after"));
        await after.StartAsync();
        await WaitForRunningAsync(after);

        // Reprocessing the same input from empty state counts 1, 2, 3 again; state trusted across the reset would go on
        // to 4, 5, 6.
        var updates = Kafka.ReadUntil(outputTopic, Deserializers.Utf8, Serdes.Int64, records => records.Count >= 6 * Keys, TimeSpan.FromSeconds(90));
        Assert.Equal(6 * Keys, updates.Count);
        Assert.All(Latest(updates).Values, count => Assert.Equal(3, count));
        Assert.True(after.Metrics.CounterTotal(RuntimeMetrics.StoresWiped) > 0, "the stale stores were counted as wiped");
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }
}
