using Personalization.Topology.Records;

namespace Personalization.Topology.Bandit;

/// <summary>How decisions are joined with their rewards.</summary>
public sealed class RewardJoinOptions
{
    /// <summary>How long after a decision rewards count, when the decision does not say (reward_wait_ms).</summary>
    public TimeSpan DefaultRewardWait { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Extra wall-clock time after the window ends before it closes, for records still in flight on other topics.</summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the wall-clock punctuator closes windows and evicts expired state.</summary>
    public TimeSpan CloseInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Rewards derived from the user's clickstream inside the window, by event type.</summary>
    public Dictionary<EventType, double> DerivedRewards { get; set; } = new()
    {
        [EventType.AddToCart] = 3,
        [EventType.ProductView] = 1,
    };

    /// <summary>Only clickstream events about the chosen action (item id equal to chosen_action) derive a reward.</summary>
    public bool DerivedRewardsRequireChosenAction { get; set; }

    public RewardFunction RewardFunction { get; set; } = RewardFunction.Max;

    /// <summary>The reward of a decision for which nothing arrived.</summary>
    public double DefaultReward { get; set; }

    /// <summary>How long a reward for a decision not seen yet waits for it before it is evicted and counted.</summary>
    public TimeSpan EarlyRewardRetention { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long (event time, past the decision's time) closed decisions are remembered, so that rewards arriving later
    /// are recognised as late and a decision delivered again is not joined twice.
    /// </summary>
    public TimeSpan ClosedDecisionRetention { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long (event time) a user's reward-bearing clicks are kept for decisions that arrive after them.</summary>
    public TimeSpan RecentEventRetention { get; set; } = TimeSpan.FromMinutes(2);

    public void Validate()
    {
        foreach (var (name, value) in new[]
        {
            (nameof(DefaultRewardWait), DefaultRewardWait), (nameof(CloseInterval), CloseInterval), (nameof(EarlyRewardRetention), EarlyRewardRetention),
            (nameof(ClosedDecisionRetention), ClosedDecisionRetention), (nameof(RecentEventRetention), RecentEventRetention),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentException($"{name} must be positive but is {value}.");
            }
        }

        if (Grace < TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(Grace)} must not be negative but is {Grace}.");
        }

        if (DerivedRewards.Values.Any(v => !double.IsFinite(v)) || !double.IsFinite(DefaultReward))
        {
            throw new ArgumentException($"{nameof(DerivedRewards)} and {nameof(DefaultReward)} must be finite numbers.");
        }
    }
}
