using Personalization.Topology.Records;

namespace Personalization.Topology;

/// <summary>
/// Every topic of the topology, declared once (../shared/DESIGN.md, "Topics"). Configuration keys, their validation, the
/// topics the worker creates, the schemas registered and checked at start-up, and the topics reference test all derive
/// from this list.
/// </summary>
public static class TopicCatalog
{
    public static readonly TopicDefinition Clickstream =
        new(nameof(TopicOptions.Clickstream), "events.clickstream", TopicDirection.Input, "user id", ClickEvent.Schema, false, o => o.Clickstream);

    public static readonly TopicDefinition Decisions =
        new(nameof(TopicOptions.Decisions), "bandit.decisions", TopicDirection.Input, "user id", Decision.Schema, false, o => o.Decisions);

    public static readonly TopicDefinition Rewards =
        new(nameof(TopicOptions.Rewards), "bandit.rewards", TopicDirection.Input, "user id", Reward.Schema, false, o => o.Rewards);

    public static readonly TopicDefinition Forget =
        new(nameof(TopicOptions.Forget), "users.forget", TopicDirection.Input, "user id", null, false, o => o.Forget);

    public static readonly TopicDefinition Catalog =
        new(nameof(TopicOptions.Catalog), "catalog.items", TopicDirection.Input, "item id", ItemUpdate.Schema, true, o => o.Catalog);

    public static readonly TopicDefinition Features =
        new(nameof(TopicOptions.Features), "features.user", TopicDirection.Output, "user id", UserFeatures.Schema, true, o => o.Features);

    public static readonly TopicDefinition FraudScores =
        new(nameof(TopicOptions.FraudScores), "scores.fraud", TopicDirection.Output, "user id", Score.Schema, false, o => o.FraudScores);

    public static readonly TopicDefinition PropensityScores =
        new(nameof(TopicOptions.PropensityScores), "scores.propensity", TopicDirection.Output, "user id", Score.Schema, false, o => o.PropensityScores);

    public static readonly TopicDefinition Training =
        new(nameof(TopicOptions.Training), "bandit.training", TopicDirection.Output, "user id", TrainingRecord.Schema, false, o => o.Training);

    public static readonly TopicDefinition Attributes =
        new(nameof(TopicOptions.Attributes), "users.attributes", TopicDirection.Output, "user id", AttributeUpdate.Schema, true, o => o.Attributes);

    public static readonly TopicDefinition Triggers =
        new(nameof(TopicOptions.Triggers), "triggers.outbound", TopicDirection.Output, "user id", Trigger.Schema, false, o => o.Triggers);

    public static readonly TopicDefinition Evaluation =
        new(nameof(TopicOptions.Evaluation), "bandit.evaluation", TopicDirection.Output, "policy id", PolicyEvaluation.Schema, false, o => o.Evaluation);

    public static readonly TopicDefinition DeadLetters =
        new(nameof(TopicOptions.DeadLetters), "events.dlq", TopicDirection.Output, "original key", null, false, o => o.DeadLetters);

    /// <summary>Every topic, inputs first.</summary>
    public static readonly IReadOnlyList<TopicDefinition> All =
        [Clickstream, Decisions, Rewards, Forget, Catalog, Features, FraudScores, PropensityScores, Training, Attributes, Triggers, Evaluation, DeadLetters];
}
