using Avro;
using Personalization.Topology.Records;

namespace Personalization.Topology;

/// <summary>The topology's topics (../shared/DESIGN.md, "Topics"); each name is configurable.</summary>
public sealed class TopicOptions
{
    /// <summary>In: raw clickstream events (ClickEvent).</summary>
    public string Clickstream { get; set; } = "events.clickstream";

    /// <summary>In: bandit decisions (Decision).</summary>
    public string Decisions { get; set; } = "bandit.decisions";

    /// <summary>In: explicit rewards (Reward).</summary>
    public string Rewards { get; set; } = "bandit.rewards";

    /// <summary>In: users to forget (key = user id, value ignored).</summary>
    public string Forget { get; set; } = "users.forget";

    /// <summary>Out: current windowed features (UserFeatures).</summary>
    public string Features { get; set; } = "features.user";

    /// <summary>Out: fraud scores (Score).</summary>
    public string FraudScores { get; set; } = "scores.fraud";

    /// <summary>Out: purchase-propensity scores (Score).</summary>
    public string PropensityScores { get; set; } = "scores.propensity";

    /// <summary>Out: decisions joined with rewards (TrainingRecord).</summary>
    public string Training { get; set; } = "bandit.training";

    /// <summary>Out, compacted: attribute changes (AttributeUpdate).</summary>
    public string Attributes { get; set; } = "users.attributes";

    /// <summary>Out: dead letters (original bytes, error in headers).</summary>
    public string DeadLetters { get; set; } = "events.dlq";

    /// <summary>Every topic, with whether it is compacted (its latest record per user is the user's state).</summary>
    public IReadOnlyList<(string Name, bool Compacted)> All() =>
    [
        (Clickstream, false), (Decisions, false), (Rewards, false), (Forget, false), (Features, true),
        (FraudScores, false), (PropensityScores, false), (Training, false), (Attributes, true), (DeadLetters, false),
    ];

    /// <summary>Each Avro topic with the schema of its values.</summary>
    public IReadOnlyList<(string Topic, RecordSchema Schema)> ValueSchemas() =>
    [
        (Clickstream, ClickEvent.Schema),
        (Decisions, Decision.Schema),
        (Rewards, Reward.Schema),
        (Features, UserFeatures.Schema),
        (FraudScores, Score.Schema),
        (PropensityScores, Score.Schema),
        (Training, TrainingRecord.Schema),
        (Attributes, AttributeUpdate.Schema),
    ];
}
