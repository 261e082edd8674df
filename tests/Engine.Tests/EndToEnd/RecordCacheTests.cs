using Confluent.Kafka;
using Streams.Engine.Runtime;
using Streams.Engine.State;

namespace Streams.Engine.Tests.EndToEnd;

[Collection(KafkaCollection.Name)]
public sealed class RecordCacheTests(KafkaClusterFixture kafka) : EngineEndToEndTest(kafka)
{
    private const int Keys = 10;
    private const int UpdatesPerKey = 500;

    [Theory]
    [InlineData(ProcessingGuarantee.AtLeastOnce)]
    [InlineData(ProcessingGuarantee.ExactlyOnceV2)]
    public async Task Hot_keys_cost_one_changelog_record_per_commit_not_one_per_update_while_queries_and_a_restore_see_the_latest_values(
        ProcessingGuarantee guarantee)
    {
        var input = Name("hot-clicks");
        var outputTopic = Name("hot-counts");
        await Kafka.CreateTopicAsync(input, 2);
        await Kafka.CreateTopicAsync(outputTopic, 2);
        var application = Name("cache-app");
        ProduceKeyRounds(input, Keys, UpdatesPerKey);

        await using (var streams = new KafkaStreams(CountPerKey(input, outputTopic), Config(application, "disk-a", guarantee), Kafka.TopicAdmin))
        {
            await streams.StartAsync();

            // Downstream sees every update: the cache holds back store and changelog writes, never output.
            var updates = Kafka.ReadUntil(outputTopic, Deserializers.Utf8, Deserializers.Int64, records => records.Count >= Keys * UpdatesPerKey, TimeSpan.FromMinutes(2));
            Assert.Equal(Keys * UpdatesPerKey, updates.Count);
            // Each key's count is read from the store once, then from the cache: SREs see that as the hit ratio.
            var reads = streams.Metrics.Snapshot().Where(sample => sample.Metric == RecordCacheMetrics.Reads).ToDictionary(s => s.LabelValues[1], s => s.Value);
            Assert.True(reads["hit"] > reads["miss"] * 10, $"{reads["hit"]} cache hits against {reads["miss"]} misses");
            // The count asked its store for every update; the cache, not the topology, is what spares the changelog.
            Assert.Equal(Keys * UpdatesPerKey, streams.Metrics.CounterValue(StateStoreMetrics.Operations, "counts", "get"));
            Assert.Equal(Keys * UpdatesPerKey, streams.Metrics.CounterValue(StateStoreMetrics.Operations, "counts", "put"));

            // A query, on another thread, reads the latest counts, whether or not a commit has written them out yet.
            Assert.All(KeyNames(Keys), key => Assert.Equal(UpdatesPerKey, Count(streams, key)));
            Assert.True(await streams.CloseAsync());
        }

        var changelog = ReadAll($"{application}-counts-changelog");
        Assert.Equal(Enumerable.Repeat((long)UpdatesPerKey, Keys), Latest(changelog).Values);
        Assert.True(changelog.Count < Keys * UpdatesPerKey / 5, $"{changelog.Count} changelog records for {Keys * UpdatesPerKey} updates of {Keys} keys");

        // Another machine rebuilds the store from those few records.
        await using var restored = new KafkaStreams(CountPerKey(input, outputTopic), Config(application, "disk-b", guarantee), Kafka.TopicAdmin);
        await restored.StartAsync();
        await WaitForRunningAsync(restored);
        Assert.Equal(changelog.Count, restored.Metrics.CounterTotal(RuntimeMetrics.RestoredRecords));
        // Restored counts, plus the input read again where the cluster forgot the committed offsets of transactions.
        var expected = guarantee == ProcessingGuarantee.ExactlyOnceV2 && !Kafka.StoresTransactionalOffsets ? 2 * UpdatesPerKey : UpdatesPerKey;
        await WaitForAsync(() => restored.Lags.Count(lag => lag.Topic == input && lag.Records == 0 && lag.EndOffset > 0) == 2, TimeSpan.FromSeconds(30), "lag to reach zero");
        Assert.All(KeyNames(Keys), key => Assert.Equal(expected, Count(restored, key)));
    }

    [Fact]
    public async Task With_the_cache_off_every_update_is_its_own_changelog_record()
    {
        var input = Name("cold-clicks");
        var outputTopic = Name("cold-counts");
        await Kafka.CreateTopicAsync(input, 2);
        await Kafka.CreateTopicAsync(outputTopic, 2);
        var application = Name("no-cache-app");
        ProduceKeyRounds(input, Keys, 20);
        var config = Config(application, "disk-a", ProcessingGuarantee.AtLeastOnce);
        config.StateStoreCacheMaxBytes = 0;

        await using (var streams = new KafkaStreams(CountPerKey(input, outputTopic), config, Kafka.TopicAdmin))
        {
            await streams.StartAsync();
            Kafka.ReadUntil(outputTopic, Deserializers.Utf8, Deserializers.Int64, records => records.Count >= Keys * 20, TimeSpan.FromMinutes(2));
            Assert.True(await streams.CloseAsync());
            Assert.Equal(0, streams.Metrics.CounterTotal(RecordCacheMetrics.Reads));
        }

        Assert.Equal(Keys * 20, ReadAll($"{application}-counts-changelog").Count);
    }

    private StreamsConfig Config(string application, string disk, ProcessingGuarantee guarantee)
    {
        var config = Kafka.StreamsConfig(application, StateDir(disk), guarantee);

        // A commit a second: the updates of a key between two commits collapse into one changelog record.
        config.CommitIntervalMs = 1_000;
        return config;
    }

    /// <summary>The changelog as written (committed records), read to its end.</summary>
    private List<ConsumeResult<string, long>> ReadAll(string topic)
    {
        var quietSince = DateTime.UtcNow;
        var seen = 0;
        return Kafka.ReadUntil(topic, Deserializers.Utf8, Deserializers.Int64, records =>
        {
            if (records.Count != seen)
            {
                (seen, quietSince) = (records.Count, DateTime.UtcNow);
            }

            return records.Count > 0 && DateTime.UtcNow - quietSince > TimeSpan.FromSeconds(3);
        }, TimeSpan.FromMinutes(1));
    }
}
