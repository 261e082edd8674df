using Personalization.Topology.Attributes;
using Personalization.Topology.Bandit;
using Personalization.Topology.Evaluation;
using Personalization.Topology.Experiments;
using Personalization.Topology.Features;
using Personalization.Topology.Records;
using Personalization.Topology.Scoring;
using Personalization.Topology.Serving;
using Personalization.Topology.Triggers;
using Streams.Engine.Dsl;
using Streams.Engine.Serialization;
using Streams.Engine.State;

namespace Personalization.Topology;

/// <summary>
/// Builds the whole personalization topology: one sub-topology over the co-partitioned input topics (all keyed by
/// user id), and one keyed by item for the item triggers:
/// <list type="bullet">
/// <item>clickstream (and forget requests) → per-user features in minute tiles → fraud and propensity scores →
/// <c>features.user</c>, <c>scores.fraud</c>, <c>scores.propensity</c>;</item>
/// <item>scores and features → user attributes → <c>users.attributes</c> (only on changes downstream cares about);</item>
/// <item>scores → each user's latest scores, kept for the query API (<see cref="UserStateQuery"/>);</item>
/// <item>decisions, rewards and the clickstream → one training record per decision → <c>bandit.training</c>; and,
/// re-keyed by the policy that logged them, live estimates of the logged policy and of candidate policies →
/// <c>bandit.evaluation</c> (<see cref="PolicyEvaluationProcessor"/>, a sub-topology keyed by policy);</item>
/// <item>the clickstream and <c>catalog.items</c> → item triggers (a price drop or restock of an item a user showed
/// interest in) and cart-abandonment triggers, through the trigger policy → <c>triggers.outbound</c>
/// (<see cref="TriggerTopology"/>: the item side is a second sub-topology, keyed by item);</item>
/// <item><c>users.forget</c> → the user is removed from every store, with tombstones to <c>users.attributes</c> and
/// <c>features.user</c>.</item>
/// </list>
/// </summary>
/// <param name="policyFiles">The candidate policy files shared by the evaluation tasks; read from the options' directory when null.</param>
public sealed class PersonalizationTopology(
    PersonalizationOptions options, RecordSerdes serdes, ModelDirectory models, FraudGuardrail guardrail, PolicyDirectory? policyFiles = null)
{
    public Streams.Engine.Graph.Topology Build()
    {
        options.Validate();
        var topics = options.Topics;
        var storeType = options.StoreType;
        var builder = new StreamsBuilder();
        var experiments = new ExperimentAssigner(options.Experiments);
        builder.AddStateStore(Stores.KeyValue(UserScoringProcessor.ProfileStore, Serdes.String, new UserProfile.Serde(), storeType));
        builder.AddStateStore(Stores.Window(
            UserScoringProcessor.TileStore, Serdes.String, new FeatureTile.Serde(),
            TimeSpan.FromMilliseconds(FeatureTile.SizeMs), FeatureCalculator.Retention, type: storeType));
        builder.AddStateStore(Stores.Window(
            UserScoringProcessor.HourStore, Serdes.String, new HourTile.Serde(),
            TimeSpan.FromMilliseconds(HourTile.SizeMs), FeatureCalculator.Retention, type: storeType));
        builder.AddStateStore(Stores.KeyValue(UserScoringProcessor.PendingStore, Serdes.String, Serdes.Int64, storeType));
        builder.AddStateStore(Stores.KeyValue(UserAttributeProcessor.Store, Serdes.String, new UserAttributeProcessor.Serde(), storeType));
        builder.AddStateStore(Stores.KeyValue(LatestScoreProcessor.Store, Serdes.String, new LatestScores.Serde(), storeType));
        builder.AddStateStore(Stores.KeyValue(RewardJoinProcessor.PendingStore, Serdes.String, new PendingDecision.Serde(), storeType));
        builder.AddStateStore(Stores.KeyValue(RewardJoinProcessor.EarlyRewardStore, Serdes.String, new EarlyRewards.Serde(), storeType));
        // The retention is a setting; the segments stay five minutes whatever it is, so changing it keeps the layout.
        builder.AddStateStore(Stores.Window(
            RewardJoinProcessor.ClosedStore, Serdes.String, new ClosedDecisions.Serde(), TimeSpan.FromMilliseconds(1), options.RewardJoin.ClosedDecisionRetention,
            type: storeType, segmentInterval: TimeSpan.FromMinutes(5)));
        // Recent clicks only bridge the moments between a click and a decision that arrives after it: not logged, so the
        // most frequent events cost no changelog write, and a restart forgets at most those moments. In RocksDB, not in
        // memory: every user clicking within the retention is an entry, about 150 MB of long-lived managed heap (and its
        // garbage in the oldest generation) with a million users, where RocksDB holds them within its shared cache.
        builder.AddStateStore(Stores.KeyValue(RewardJoinProcessor.RecentClickStore, Serdes.String, new RecentClicks.Serde(), storeType).WithLoggingDisabled());

        var clicks = builder.Stream(topics.Clickstream, Serdes.String, serdes.ClickEvent).MapValues(UserInput.Of, "clicks");
        var forgets = builder.Stream(topics.Forget, Serdes.String, Serdes.ByteArray).MapValues(_ => UserInput.ForgetUser, "forgets");
        var decisions = builder.Stream(topics.Decisions, Serdes.String, serdes.Decision).MapValues(UserInput.Of, "decisions");
        var rewards = builder.Stream(topics.Rewards, Serdes.String, serdes.Reward).MapValues(UserInput.Of, "rewards");

        var userEvents = clicks.Merge(forgets, "scoring-inputs");
        var scored = userEvents
            .Process(
                "user-scoring",
                () => new UserScoringProcessor(options.Scoring, models, guardrail, experiments),
                UserScoringProcessor.ProfileStore, UserScoringProcessor.TileStore, UserScoringProcessor.HourStore, UserScoringProcessor.PendingStore);
        scored.MapValues(o => o.Features!, "features").To(topics.Features, Serdes.String, serdes.UserFeatures);
        scored.Filter((_, o) => o.Fraud is not null, "fraud-scored").MapValues(o => o.Fraud!).To(topics.FraudScores, Serdes.String, serdes.Score);
        scored.Filter((_, o) => o.Propensity is not null, "propensity-scored").MapValues(o => o.Propensity!).To(topics.PropensityScores, Serdes.String, serdes.Score);

        scored.Process("latest-scores", () => new LatestScoreProcessor(), LatestScoreProcessor.Store);
        scored.Process("user-attributes", () => new UserAttributeProcessor(options.Attributes, guardrail, experiments), UserAttributeProcessor.Store)
            .MapValues(update => update!)
            .To(topics.Attributes, Serdes.String, serdes.AttributeUpdate);

        var training = clicks.Merge(decisions, "join-decisions").Merge(rewards, "join-rewards").Merge(forgets, "join-forgets")
            .Process(
                "reward-join",
                () => new RewardJoinProcessor(options.RewardJoin, experiments),
                RewardJoinProcessor.PendingStore, RewardJoinProcessor.EarlyRewardStore, RewardJoinProcessor.ClosedStore, RewardJoinProcessor.RecentClickStore);
        training.To(topics.Training, Serdes.String, serdes.TrainingRecord);

        if (options.Evaluation.Enabled)
        {
            var policies = policyFiles ?? new PolicyDirectory(options.Evaluation);
            builder.AddStateStore(Stores.KeyValue(PolicyEvaluationProcessor.Store, Serdes.String, new PolicyValue.Serde(), storeType));
            training
                .SelectKey((_, record) => record.ModelId, "by-logged-policy")
                .Repartition(Grouped.With(Serdes.String, serdes.TrainingRecord, "training-by-policy"))
                .Process("policy-evaluation", () => new PolicyEvaluationProcessor(options.Evaluation, policies), PolicyEvaluationProcessor.Store)
                .To(topics.Evaluation, Serdes.String, serdes.PolicyEvaluation);
        }

        if (options.Triggers.Enabled)
        {
            TriggerTopology.Add(builder, userEvents, options, serdes);
        }

        return builder.Build();
    }
}
