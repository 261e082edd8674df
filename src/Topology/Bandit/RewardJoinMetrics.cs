using Streams.Engine.Metrics;

namespace Personalization.Topology.Bandit;

/// <summary>The metrics of the reward join: training records, their rewards' sources, and what it discards.</summary>
public static class RewardJoinMetrics
{
    public static readonly MetricDescriptor TrainingRecords =
        MetricDescriptor.Counter("streams_training_records_total", "records", "Training records written to bandit.training.");

    public static readonly MetricDescriptor DefaultRewards = MetricDescriptor.Counter(
        "streams_default_rewards_total", "records", "Training records whose reward is the default because nothing arrived in the window.");

    public static readonly MetricDescriptor LateRewards = MetricDescriptor.Counter(
        "streams_late_rewards_total", "rewards", "Rewards that arrived after their decision's training record was written (not used).");

    public static readonly MetricDescriptor UnknownRewardsEvicted = MetricDescriptor.Counter(
        "streams_unknown_rewards_evicted_total", "rewards", "Rewards for decisions that never arrived, evicted after the bound.");

    public static readonly MetricDescriptor DuplicateDecisions =
        MetricDescriptor.Counter("streams_duplicate_decisions_total", "decisions", "Decisions seen again (same event id) and ignored.");

    public static readonly MetricDescriptor ForgottenUsers =
        MetricDescriptor.Counter("streams_forgotten_users_total", "users", "Users removed on request from users.forget.", "processor");
}
