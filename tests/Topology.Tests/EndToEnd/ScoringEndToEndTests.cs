using Confluent.Kafka;
using Personalization.Simulation;
using Personalization.Topology.Features;
using Personalization.Topology.Records;
using Personalization.Topology.Scoring;
using Streams.Engine.Runtime;
using Xunit.Abstractions;

namespace Personalization.Topology.Tests.EndToEnd;

[Collection(KafkaCollection.Name)]
public sealed class ScoringEndToEndTests(KafkaClusterFixture kafka, ITestOutputHelper output) : PersonalizationEndToEndTest(kafka)
{
    [Fact]
    public async Task Generated_traffic_in_gives_scores_for_exactly_the_users_that_should_be_scored_one_training_record_per_decision_and_their_policy_value()
    {
        var topics = UniqueTopics();
        foreach (var (topic, _) in topics.All())
        {
            await Kafka.CreateTopicAsync(topic, topic == topics.DeadLetters ? 1 : 4);
        }

        var generated = new ClickstreamGenerator(new GeneratorOptions { Users = 300, Seed = 5, Start = DateTimeOffset.UtcNow.AddMinutes(-30) }).Take(4000).ToList();
        var events = generated.Select(r => r.Event).OfType<ClickEvent>().ToList();
        var expectedPropensity = events.Select(e => e.UserId).ToHashSet();
        var riskEvents = events.Where(e => UserScoringProcessor.IsFraudRisk(e.Type)).ToList();
        var expectedFraud = riskEvents.Select(e => e.UserId).ToHashSet();
        var riskEventIds = riskEvents.Select(e => e.EventId).ToHashSet();
        var decisionIds = generated.Select(r => r.Decision?.EventId).OfType<string>().ToList();

        await ProduceAsync(generated, topics);
        using var serdes = new RecordSerdes(RecordSchemas.LocalRegistry());

        var options = new PersonalizationOptions { Topics = topics };
        options.RewardJoin.DefaultRewardWait = TimeSpan.FromSeconds(3);   // the last decisions close on the wall clock: keep the test short
        options.Evaluation.EmitInterval = TimeSpan.FromSeconds(1);
        options.Evaluation.Window = TimeSpan.FromDays(1);
        using var models = new ModelDirectory(new ModelOptions { Directory = ScoringHarness.ShippedModels });
        models.Start();
        var guardrail = new FraudGuardrail(options.Scoring);
        var config = Kafka.StreamsConfig(Name("scoring-app"), StateDir("a"));
        config.DeadLetterTopic = topics.DeadLetters;
        await using var streams = new KafkaStreams(new PersonalizationTopology(options, serdes, models, guardrail).Build(), config, Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "a"));
        await streams.StartAsync();

        var fraud = Kafka.ReadUntil(topics.FraudScores, Deserializers.Utf8, serdes.Score,
            r => r.Select(x => x.Message.Key).ToHashSet().SetEquals(expectedFraud) && r.Count >= riskEvents.Count, TimeSpan.FromSeconds(90));
        var propensity = Kafka.ReadUntil(topics.PropensityScores, Deserializers.Utf8, serdes.Score,
            r => r.Select(x => x.Message.Key).ToHashSet().SetEquals(expectedPropensity), TimeSpan.FromSeconds(90));
        var features = Kafka.ReadUntil(topics.Features, Deserializers.Utf8, serdes.UserFeatures, r => r.Count >= expectedPropensity.Count, TimeSpan.FromSeconds(30));
        var training = Kafka.ReadUntil(topics.Training, Deserializers.Utf8, serdes.TrainingRecord, r => r.Count >= decisionIds.Count, TimeSpan.FromSeconds(60));
        var attributes = Kafka.ReadUntil(topics.Attributes, Deserializers.Utf8, serdes.AttributeUpdate,
            r => r.Select(x => x.Message.Key).ToHashSet().SetEquals(expectedPropensity), TimeSpan.FromSeconds(30));
        output.WriteLine($"{events.Count} events from {expectedPropensity.Count} users: {fraud.Count} fraud scores, {propensity.Count} propensity scores, "
            + $"{features.Count} feature records, {training.Count} training records for {decisionIds.Count} decisions, {attributes.Count} attribute updates");

        Assert.Equal(StreamsState.Running, streams.State);
        Assert.Equal(expectedFraud.Order(), fraud.Select(r => r.Message.Key).Distinct().Order());
        Assert.Equal(riskEvents.Count, fraud.Count);
        Assert.All(fraud, r => Assert.Contains(r.Message.Value.TriggerEventId!, riskEventIds));
        Assert.Equal(expectedPropensity.Order(), propensity.Select(r => r.Message.Key).Distinct().Order());
        Assert.All(fraud.Concat(propensity).Select(r => r.Message.Value), score =>
        {
            Assert.Equal("v1", score.ModelVersion);
            Assert.False(score.Heuristic);
            Assert.InRange(score.Value, 0, 1);
        });
        Assert.All(features, r => Assert.Equal(r.Message.Key, r.Message.Value.UserId));
        Assert.Equal(decisionIds.Order(), training.Select(r => r.Message.Value.DecisionId).Order());
        Assert.Contains(training, r => r.Message.Value.RewardSource != RewardSource.Default);
        Assert.Equal(expectedPropensity.Order(), attributes.Select(r => r.Message.Key).Distinct().Order());

        // Each logged policy's value on bandit.evaluation, once it covers all its training records, is their mean reward
        // (summed over the windows of decision time they fall in, should the run straddle a window's end).
        var byPolicy = training.Select(r => r.Message.Value).GroupBy(t => t.ModelId).ToDictionary(g => g.Key, g => g.ToList());
        static List<PolicyEvaluation> LatestOnPolicy(IEnumerable<PolicyEvaluation> evaluations, string policy) => evaluations
            .Where(v => v.Estimator == Estimator.OnPolicy && v.LoggedPolicy == policy).GroupBy(v => v.WindowStart).Select(g => g.Last()).ToList();
        var evaluations = Kafka.ReadUntil(topics.Evaluation, Deserializers.Utf8, serdes.PolicyEvaluation, r => byPolicy.All(policy =>
            LatestOnPolicy(r.Select(e => e.Message.Value), policy.Key).Sum(v => v.Records) == policy.Value.Count), TimeSpan.FromSeconds(60));
        foreach (var (policy, records) in byPolicy)
        {
            var windows = LatestOnPolicy(evaluations.Select(e => e.Message.Value), policy);
            Assert.Equal(records.Count, windows.Sum(v => v.Records));
            Assert.Equal(records.Average(t => t.Reward), windows.Sum(v => v.Estimate * v.Records) / records.Count, 9);
            Assert.Contains(evaluations, e => e.Message.Key == "uniform" && e.Message.Value.LoggedPolicy == policy && e.Message.Value.Estimator == Estimator.Snips);
        }
    }
}
