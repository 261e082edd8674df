namespace Personalization.Tests.EndToEnd;

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
        DeadLetters = Name("events.dlq"),
    };
}
