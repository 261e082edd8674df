using Confluent.Kafka;
using Personalization.Simulation;
using Personalization.Topology.Records;

namespace Personalization.Topology.Tests.EndToEnd;

/// <summary>The end-to-end base of the topology's tests: the personalization topics under this test's unique names.</summary>
public abstract class PersonalizationEndToEndTest(KafkaClusterFixture kafka) : EndToEndTest(kafka)
{
    protected TopicOptions UniqueTopics() => new()
    {
        Clickstream = Name("events.clickstream"),
        Decisions = Name("bandit.decisions"),
        Rewards = Name("bandit.rewards"),
        Features = Name("features.user"),
        FraudScores = Name("scores.fraud"),
        PropensityScores = Name("scores.propensity"),
        Training = Name("bandit.training"),
        Attributes = Name("users.attributes"),
        Forget = Name("users.forget"),
        Catalog = Name("catalog.items"),
        Triggers = Name("triggers.outbound"),
        Evaluation = Name("bandit.evaluation"),
        DeadLetters = Name("events.dlq"),
    };

    /// <summary>Produces simulated traffic to its input topics as any upstream producer would: keyed by user, event time as the timestamp.</summary>
    protected async Task ProduceAsync(IReadOnlyCollection<GeneratedRecord> records, TopicOptions topics)
    {
        using var serdes = new RecordSerdes(RecordSchemas.LocalRegistry());
        using var producer = Kafka.Producer(Serializers.Utf8, Serializers.ByteArray);
        var deliveries = new List<Task>(records.Count);
        foreach (var record in records)
        {
            var (topic, value) = record.Serialize(serdes, topics);
            deliveries.Add(producer.ProduceAsync(topic, new Message<string, byte[]> { Key = record.Key, Value = value, Timestamp = new Timestamp(record.Timestamp) }));
        }

        await Task.WhenAll(deliveries);
    }
}
