using System.Text;
using Confluent.Kafka;
using Streams.Engine.Queries;
using Streams.Engine.Runtime;
using Streams.Engine.Serialization;
using Xunit.Abstractions;

namespace Streams.Engine.Tests.EndToEnd;

/// <summary>
/// Interactive queries across instances: a key's task found as producers partition it, every key answered by the
/// instance that runs its task with what that task has processed, and every instance told by the instance directory
/// where each key lives, through a handover when an instance leaves.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class InteractiveQueryTests(KafkaClusterFixture kafka, ITestOutputHelper output) : EngineEndToEndTest(kafka)
{
    private const int Keys = 40;

    [Fact]
    public async Task A_keys_task_is_the_partition_a_murmur2_producer_writes_it_to()
    {
        var topic = Name("partitioned");
        await Kafka.CreateTopicAsync(topic, 7);
        var config = new ProducerConfig(new Dictionary<string, string>(Kafka.ClientConfig)) { BootstrapServers = Kafka.BootstrapServers, Partitioner = Partitioner.Murmur2Random };
        using var producer = new ProducerBuilder<string, string>(config).Build();
        for (var i = 0; i < 200; i++)
        {
            var key = $"user-{i}-{new string('x', i % 9)}";
            var delivered = await producer.ProduceAsync(topic, new Message<string, string> { Key = key, Value = "v" });
            Assert.Equal(delivered.Partition.Value, KeyPartitioner.Partition(Encoding.UTF8.GetBytes(key), 7));
        }
    }

    [Fact]
    public async Task Every_key_is_answered_by_its_owner_and_located_by_the_other_instance_through_a_handover()
    {
        var (input, outputTopic) = await CreateTopicsAsync();
        var application = Name("query-app");
        await using var first = new KafkaStreams(CountPerKey(input, outputTopic), Config(application, "first"), Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "first"));
        await using var second = new KafkaStreams(CountPerKey(input, outputTopic), Config(application, "second"), Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "second"));
        await StartSharingAsync(first, second);

        ProduceKeyRounds(input, Keys, rounds: 3);

        var instances = new[] { first, second };
        await WaitForAsync(() => KeyNames(Keys).All(key => instances.Sum(i => Count(i, key) == 3 ? 1 : 0) == 1), TimeSpan.FromSeconds(60), "every key counted 3 by one instance");
        await WaitForAsync(() => instances.All(i => i.Instances.Count == 2), TimeSpan.FromSeconds(30), "each instance to know both");
        foreach (var key in KeyNames(Keys))
        {
            var (owner, other) = QueryCount(first, key).Status == QueryStatus.Answered ? (first, second) : (second, first);
            Assert.Equal(QueryStatus.NotHosted, QueryCount(other, key).Status);
            var fromOther = other.QueryMetadataForKey("counts", key, Serdes.String);
            var fromOwner = owner.QueryMetadataForKey("counts", key, Serdes.String);
            Assert.Equal(fromOwner.Task, fromOther.Task);
            Assert.Equal(Endpoint(owner == first ? "first" : "second"), fromOther.Active?.Endpoint);
            Assert.True(fromOwner.Active?.IsLocal);
            var answer = QueryCount(owner, key);
            Assert.Equal(fromOwner.Task, answer.Task);
            Assert.True(answer.StreamTime > 0, "an answer says how far its task has processed");
        }

        Assert.True(await second.CloseAsync(TimeSpan.FromSeconds(30)));
        await WaitForAsync(() => first.State == StreamsState.Running && first.Tasks.Count == 4 && first.Tasks.All(t => t.Running), TimeSpan.FromSeconds(60), "the survivor to run all tasks");
        Assert.All(KeyNames(Keys), key => Assert.Equal(3, Count(first, key)));
        await WaitForAsync(() => first.Instances.Count == 1, TimeSpan.FromSeconds(10), "the closed instance to leave the directory");
        Assert.All(KeyNames(Keys), key => Assert.True(first.QueryMetadataForKey("counts", key, Serdes.String).Active?.IsLocal));
    }

    [Fact]
    public async Task A_standby_answers_queries_with_its_lag_and_hands_its_stores_over_so_a_takeover_restores_only_the_tail()
    {
        var (input, outputTopic) = await CreateTopicsAsync();
        var application = Name("standby-app");
        await using var first = new KafkaStreams(CountPerKey(input, outputTopic), Config(application, "first", standbys: 1), Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "first"));
        await using var second = new KafkaStreams(CountPerKey(input, outputTopic), Config(application, "second", standbys: 1), Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "second"));
        await StartSharingAsync(first, second);
        ProduceKeyRounds(input, Keys, rounds: 3);

        var instances = new[] { first, second };
        await WaitForAsync(() => KeyNames(Keys).All(key => instances.Sum(i => Count(i, key) == 3 ? 1 : 0) == 1), TimeSpan.FromSeconds(60), "every key counted 3 by its owner");
        await WaitForAsync(
            () => instances.All(i => i.StandbyTasks.Count == 2 && i.StandbyTasks.All(t => t.LagRecords == 0)),
            TimeSpan.FromSeconds(60), "each instance to keep an up-to-date standby of the other's two tasks");
        Assert.All(instances, i => Assert.Empty(i.StandbyTasks.Select(t => t.Id).Intersect(i.Tasks.Select(t => t.Id))));

        foreach (var key in KeyNames(Keys))
        {
            var (owner, other) = QueryCount(first, key).Status == QueryStatus.Answered ? (first, second) : (second, first);
            // The standby applies the changelog a moment after the owner writes it; its lag is measured against the end
            // offsets its fetches last saw, so it is waited for rather than expected at once.
            await WaitForAsync(() => other.Query("counts", key, Serdes.String, ReadCount(key), allowStandby: true) is { Value: 3, LagRecords: 0 },
                TimeSpan.FromSeconds(10), $"the standby of {key} to catch up");
            var fromStandby = other.Query("counts", key, Serdes.String, ReadCount(key), allowStandby: true);
            Assert.Equal((QueryStatus.Answered, true), (fromStandby.Status, fromStandby.IsStandby));
            Assert.Equal(QueryStatus.NotHosted, QueryCount(other, key).Status);
            var located = owner.QueryMetadataForKey("counts", key, Serdes.String);
            await WaitForAsync(
                () => owner.QueryMetadataForKey("counts", key, Serdes.String).Standbys.Any(s => s.Endpoint == other.Instances.Single(i => i.IsLocal).Endpoint),
                TimeSpan.FromSeconds(10), "the owner to see the other's standby");
            Assert.True(located.Active?.IsLocal);
        }

        var restoredBefore = first.Metrics.CounterTotal(RuntimeMetrics.RestoredRecords);
        Assert.True(await second.CloseAsync(TimeSpan.FromSeconds(30)));
        await WaitForAsync(() => first.State == StreamsState.Running && first.Tasks.Count == 4 && first.Tasks.All(t => t.Running), TimeSpan.FromSeconds(60), "the survivor to run all tasks");
        Assert.All(KeyNames(Keys), key => Assert.Equal(3, Count(first, key)));
        Assert.Equal(restoredBefore, first.Metrics.CounterTotal(RuntimeMetrics.RestoredRecords));
        Assert.Empty(first.StandbyTasks);
    }

    /// <summary>An input and an output topic of four partitions.</summary>
    private async Task<(string Input, string Output)> CreateTopicsAsync()
    {
        var (input, outputTopic) = (Name("clicks"), Name("click-counts"));
        await Kafka.CreateTopicAsync(input, 4);
        await Kafka.CreateTopicAsync(outputTopic, 4);
        return (input, outputTopic);
    }

    /// <summary>Starts two instances of one application, one after the other, and waits until each runs two of the four tasks.</summary>
    private static async Task StartSharingAsync(KafkaStreams first, KafkaStreams second)
    {
        await first.StartAsync();
        await WaitForRunningAsync(first);
        await second.StartAsync();
        await WaitForAsync(
            () => first.State == StreamsState.Running && second.State == StreamsState.Running && first.Tasks.Count == 2 && second.Tasks.Count == 2,
            TimeSpan.FromSeconds(60), "the two instances to share the four tasks");
    }

    private StreamsConfig Config(string application, string instance, int standbys = 0)
    {
        var config = Kafka.StreamsConfig(application, StateDir(instance));
        config.ApplicationServer = Endpoint(instance);
        config.NumStandbyReplicas = standbys;
        return config;
    }

    private static string Endpoint(string instance) => $"http://{instance}.example:8080";
}
