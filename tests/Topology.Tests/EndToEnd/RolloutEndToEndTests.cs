using System.Globalization;
using Confluent.Kafka;
using Personalization.Topology.Records;
using Personalization.Topology.Scoring;
using Personalization.Topology.Scoring.Rollouts;
using Personalization.Topology.Tests.Rollouts;
using Streams.Engine.Runtime;
using Xunit.Abstractions;

namespace Personalization.Topology.Tests.EndToEnd;

[Collection(KafkaCollection.Name)]
public sealed class RolloutEndToEndTests(KafkaClusterFixture kafka, ITestOutputHelper output) : PersonalizationEndToEndTest(kafka)
{
    private const int MinScores = 30;

    [Fact]
    public async Task A_canary_ramps_from_1_to_50_percent_of_users_without_a_restart_and_is_rolled_back_when_its_scores_drift()
    {
        var topics = UniqueTopics();
        foreach (var (topic, _) in topics.All())
        {
            await Kafka.CreateTopicAsync(topic, topic == topics.DeadLetters ? 1 : 4);
        }

        var directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "rollout-models-" + Guid.NewGuid().ToString("N"))).FullName;
        File.Copy(Path.Combine(ScoringHarness.ShippedModels, "propensity-v1.zip"), Path.Combine(directory, "propensity-v1.zip"));
        File.Copy(Path.Combine(ScoringHarness.ShippedModels, "fraud-v1.zip"), Path.Combine(directory, "fraud-v1.zip"));
        CandidateModels.WriteDrifted(Path.Combine(directory, "propensity-v2.zip"));
        WritePlan(directory, 0.01);

        using var serdes = new RecordSerdes(RecordSchemas.LocalRegistry());
        var options = new PersonalizationOptions { Topics = topics };
        using var models = new ModelDirectory(new ModelOptions { Directory = directory, PollInterval = TimeSpan.FromMilliseconds(200) }, scoring: options.Scoring);
        models.Start();
        var config = Kafka.StreamsConfig(Name("rollout-app"), StateDir("a"));
        config.DeadLetterTopic = topics.DeadLetters;
        await using var streams = new KafkaStreams(
            new PersonalizationTopology(options, serdes, models, new FraudGuardrail(options.Scoring)).Build(), config, Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "a"));
        await streams.StartAsync();

        // 1 %: exactly the users whose canary position is below 0.01 get v2.
        var first = Users("first", 300);
        var firstScores = await ScoreAsync(topics, serdes, first);
        var firstCanary = first.Where(u => Position(u) < 0.01).ToList();
        Assert.NotEmpty(firstCanary);
        Assert.True(firstCanary.Count < MinScores, "the drift must not be judged at 1 %");
        Assert.All(first, u => Assert.Equal(Position(u) < 0.01 ? "v2" : "v1", firstScores[u].ModelVersion));

        // 50 %, by rewriting the plan while the instance runs. The drifted candidate serves half the new users until the
        // window holds enough compared rows to judge it; then it is rolled back and v1 serves everyone again.
        WritePlan(directory, 0.5);
        await WaitUntil(() => models.Rollout("propensity")?.Share == 0.5, "the ramp to 50 % to be read");
        var second = Users("second", 200);
        var secondScores = await ScoreAsync(topics, serdes, second);
        var servedBySecond = second.Where(u => secondScores[u].ModelVersion == "v2").ToList();
        output.WriteLine($"1 %: {firstCanary.Count} of {first.Count} users on v2; 50 %: {servedBySecond.Count} of {second.Count} before the rollback");
        Assert.All(servedBySecond, u => Assert.True(Position(u) < 0.5));
        Assert.Equal(MinScores - 1, firstCanary.Count + servedBySecond.Count);
        var monitor = models.Rollout("propensity")!.Monitor!;
        Assert.Equal(RollbackReason.Drift, monitor.RolledBackFor);
        Assert.Equal(1, models.Metrics.CounterValue(RolloutMetrics.Rollbacks, "propensity", "v2", "drift"));

        var third = Users("third", 100);
        var thirdScores = await ScoreAsync(topics, serdes, third);
        Assert.Contains(third, u => Position(u) < 0.5);
        Assert.All(third, u => Assert.Equal("v1", thirdScores[u].ModelVersion));
        Assert.Equal(StreamsState.Running, streams.State);

        Directory.Delete(directory, recursive: true);
    }

    private static double Position(string user) => ModelRollout.CanaryPosition("propensity", "v2", user);

    private static List<string> Users(string phase, int count) => Enumerable.Range(0, count).Select(i => $"{phase}-{i:D4}").ToList();

    private static void WritePlan(string directory, double share)
    {
        var text = share.ToString(CultureInfo.InvariantCulture);
        File.WriteAllText(Path.Combine(directory, "rollouts.json"),
            $$"""{ "propensity": { "serving": "v1", "candidate": "v2", "mode": "canary", "share": {{text}}, "minScores": {{MinScores}}, "window": 200 } }""");
    }

    /// <summary>One product view per user, then every user's propensity score.</summary>
    private async Task<Dictionary<string, Score>> ScoreAsync(TopicOptions topics, RecordSerdes serdes, IReadOnlyList<string> users)
    {
        using (var producer = Kafka.Producer(Serializers.Utf8, Serializers.ByteArray))
        {
            var now = DateTimeOffset.UtcNow;
            foreach (var user in users)
            {
                var click = new ClickEvent { EventId = $"{user}-view", UserId = user, SessionId = $"{user}-s", Type = EventType.ProductView, Timestamp = now, ItemId = "item-1" };
                var value = serdes.ClickEvent.Serialize(click, new SerializationContext(MessageComponentType.Value, topics.Clickstream));
                await producer.ProduceAsync(topics.Clickstream, new Message<string, byte[]> { Key = user, Value = value, Timestamp = new Timestamp(now) });
            }
        }

        var wanted = users.ToHashSet();
        var scores = Kafka.ReadUntil(topics.PropensityScores, Deserializers.Utf8, serdes.Score,
            r => wanted.IsSubsetOf(r.Select(x => x.Message.Key)), TimeSpan.FromSeconds(60));
        return scores.Where(r => wanted.Contains(r.Message.Key)).GroupBy(r => r.Message.Key).ToDictionary(g => g.Key, g => Assert.Single(g).Message.Value);
    }

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(50);
        }
    }
}
