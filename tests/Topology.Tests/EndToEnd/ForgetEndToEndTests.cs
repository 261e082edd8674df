using System.Text;
using Confluent.Kafka;
using Personalization.Simulation;
using Personalization.Topology.Records;
using Personalization.Topology.Scoring;
using Streams.Engine;
using Streams.Engine.Runtime;
using Xunit.Abstractions;

namespace Personalization.Topology.Tests.EndToEnd;

/// <summary>
/// Forgetting a user must survive a restore: every deletion reaches the changelogs, so state rebuilt from them (a
/// restart without local state, a failover) holds nothing of the user.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class ForgetEndToEndTests(KafkaClusterFixture kafka, ITestOutputHelper output) : PersonalizationEndToEndTest(kafka)
{
    private const int Partitions = 4;

    [Fact]
    public async Task A_forgotten_user_is_absent_from_every_changelog_and_from_state_rebuilt_from_them()
    {
        var topics = UniqueTopics();
        foreach (var (topic, _) in topics.All())
        {
            await Kafka.CreateTopicAsync(topic, Partitions);
        }

        var generated = new ClickstreamGenerator(new GeneratorOptions { Users = 100, Seed = 11, Start = DateTimeOffset.UtcNow.AddMinutes(-30) }).Take(3000).ToList();
        var decisions = generated.Select(r => r.Decision).OfType<Decision>().ToList();
        var clickers = generated.Select(r => r.Event?.UserId).OfType<string>().ToHashSet();
        var victim = decisions.GroupBy(d => d.UserId).Where(g => clickers.Contains(g.Key)).MaxBy(g => g.Count())!.Key;
        await ProduceAsync(generated, topics);
        using var serdes = new RecordSerdes(RecordSchemas.LocalRegistry());

        var options = new PersonalizationOptions { Topics = topics };
        options.RewardJoin.DefaultRewardWait = TimeSpan.FromSeconds(3);
        using var models = new ModelDirectory(new ModelOptions { Directory = ScoringHarness.ShippedModels });
        models.Start();
        var guardrail = new FraudGuardrail(options.Scoring);
        var application = Name("forget-app");
        var topology = new PersonalizationTopology(options, serdes, models, guardrail).Build();
        StreamsConfig Config(string disk)
        {
            var config = Kafka.StreamsConfig(application, StateDir(disk));
            config.DeadLetterTopic = topics.DeadLetters;
            return config;
        }

        await using (var streams = new KafkaStreams(topology, Config("first"), Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "first")))
        {
            await streams.StartAsync();
            Kafka.ReadUntil(topics.Training, Deserializers.Utf8, Deserializers.ByteArray, r => r.Count >= decisions.Count, TimeSpan.FromSeconds(90));
            var before = LatestChangelogValues(application, topology);
            output.WriteLine($"victim {victim}: {Describe(before, victim)} before the forget request");
            Assert.Contains(before[$"{application}-feature-tiles-changelog"].Keys, key => key.Contains(victim, StringComparison.Ordinal));
            Assert.Contains(before[$"{application}-closed-decisions-by-user-changelog"].Keys, key => key.Contains(victim, StringComparison.Ordinal));

            // The request comes from any Kafka client that partitions as Java clients do (murmur2 of the key).
            using (var producer = Kafka.Producer(Serializers.Utf8, Serializers.ByteArray))
            {
                producer.Produce(topics.Forget, new Message<string, byte[]> { Key = victim, Value = [] });
                producer.Flush(TimeSpan.FromSeconds(30));
            }

            Kafka.ReadUntil(topics.Attributes, Deserializers.Utf8, Deserializers.ByteArray,
                r => r.Any(x => x.Message.Key == victim && x.Message.Value is null), TimeSpan.FromSeconds(60));

            // The user side's tombstones are out; the item side forgets the user's interest once it has read the request
            // the user side re-keyed for it, which on a loaded machine can come seconds later.
            await WaitForAsync(
                () => LatestChangelogValues(application, topology).Values.All(latest => latest.All(kv => kv.Value is null || !kv.Key.Contains(victim, StringComparison.Ordinal))),
                TimeSpan.FromSeconds(60), "every changelog to hold tombstones for the user's entries");
            Assert.True(await streams.CloseAsync());
        }

        var after = LatestChangelogValues(application, topology);
        output.WriteLine($"victim {victim}: {Describe(after, victim)} after it");
        foreach (var (changelog, latest) in after)
        {
            Assert.All(latest.Where(kv => kv.Key.Contains(victim, StringComparison.Ordinal)), kv => Assert.True(kv.Value is null, $"{changelog} still holds {kv.Key}"));
        }

        // Rebuilt on a new disk from the changelogs alone, the user's next click is their first.
        await using var rebuilt = new KafkaStreams(topology, Config("second"), Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "second"));
        await rebuilt.StartAsync();
        var click = new ClickEvent { EventId = Name("after-forget"), UserId = victim, SessionId = Name("session"), Type = EventType.PageView, Timestamp = DateTimeOffset.UtcNow };
        using (var producer = Kafka.Producer(Serializers.Utf8, Serializers.ByteArray))
        {
            producer.Produce(topics.Clickstream, new Message<string, byte[]>
            {
                Key = victim,
                Value = serdes.ClickEvent.Serialize(click, new SerializationContext(MessageComponentType.Value, topics.Clickstream)),
                Timestamp = new Timestamp(click.Timestamp),
            });
            producer.Flush(TimeSpan.FromSeconds(30));
        }

        var features = Kafka.ReadUntil(topics.Features, Deserializers.Utf8, Deserializers.ByteArray,
            r => r.Any(x => x.Message.Key == victim && x.Message.Value is not null && x.Message.Timestamp.UnixTimestampMs == click.Timestamp.ToUnixTimeMilliseconds()),
            TimeSpan.FromSeconds(60));
        var latestFeatures = features.Last(x => x.Message.Key == victim && x.Message.Value is not null);
        var value = serdes.UserFeatures.Deserialize(latestFeatures.Message.Value, isNull: false, new SerializationContext(MessageComponentType.Value, topics.Features));
        Assert.Equal(1, value.Last24h.Events);
        Assert.Null(value.SecondsSincePreviousEvent);
    }

    private static string Describe(Dictionary<string, Dictionary<string, byte[]?>> changelogs, string user) =>
        string.Join(", ", changelogs.Select(c => $"{c.Key}: {c.Value.Count(kv => kv.Key.Contains(user, StringComparison.Ordinal) && kv.Value is not null)} live keys"));

    /// <summary>The latest value of every key of every changelog of the topology: what a restore rebuilds.</summary>
    private Dictionary<string, Dictionary<string, byte[]?>> LatestChangelogValues(string application, Streams.Engine.Graph.Topology topology)
    {
        var changelogs = topology.Describe().Stores
            .Where(store => store.Changelog is not null)
            .Select(store => store.Changelog!.Replace("<application.id>", application, StringComparison.Ordinal))
            .ToList();
        var result = changelogs.ToDictionary(topic => topic, _ => new Dictionary<string, byte[]?>());
        var config = new ConsumerConfig
        {
            BootstrapServers = Kafka.BootstrapServers,
            GroupId = "changelog-reader-" + Guid.NewGuid().ToString("N"),
            EnablePartitionEof = true,
            EnableAutoCommit = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
        };
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        var partitions = changelogs.SelectMany(topic => Enumerable.Range(0, Partitions).Select(p => new TopicPartition(topic, p))).ToList();
        consumer.Assign(partitions.Select(tp => new TopicPartitionOffset(tp, Offset.Beginning)));
        var atEnd = new HashSet<TopicPartition>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (atEnd.Count < partitions.Count && DateTime.UtcNow < deadline)
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (record is null)
            {
                continue;
            }

            if (record.IsPartitionEOF)
            {
                atEnd.Add(record.TopicPartition);
                continue;
            }

            // Store keys hold the user id as UTF-8 (alone, or next to times and sequence numbers).
            result[record.Topic][Encoding.Latin1.GetString(record.Message.Key)] = record.Message.Value;
        }

        Assert.Equal(partitions.Count, atEnd.Count);
        return result;
    }
}
