using Personalization.Topology.Bandit;
using Personalization.Topology.Records;

namespace Personalization.Topology.Tests.Bandit;

/// <summary>
/// The reward join on the topology test driver. Event times start at the driver's wall clock, as they do in
/// production, and windows close when the wall clock passes their end plus the grace (2 s).
/// </summary>
public sealed class RewardJoinTests
{
    private static readonly DateTimeOffset T0 = ScoringHarness.WallStart;
    private int _serial;

    private static Decision Decision(string id, string user = "u1", double at = 0, long? waitMs = null) => new()
    {
        EventId = id,
        UserId = user,
        Timestamp = T0.AddSeconds(at),
        Context = new Dictionary<string, double> { ["hour"] = 9, ["affinity"] = 0.4 },
        Actions = ["item-1", "item-2", "item-3"],
        ChosenAction = "item-2",
        Probability = 0.7,
        Probabilities = [0.15, 0.7, 0.15],
        ModelId = "bandit-eg-v1",
        RewardWaitMs = waitMs,
    };

    private static Reward Reward(string decisionId, double value, double at, string user = "u1") =>
        new() { EventId = decisionId, UserId = user, Value = value, Timestamp = T0.AddSeconds(at) };

    private ClickEvent Click(EventType type, double at, string user = "u1", string item = "item-2") => new()
    {
        EventId = $"c{++_serial}",
        UserId = user,
        SessionId = "s1",
        Type = type,
        Timestamp = T0.AddSeconds(at),
        ItemId = item,
        Price = 10,
    };

    private static ScoringHarness Harness(RewardFunction function = RewardFunction.Max, bool requireChosenAction = false)
    {
        var options = new PersonalizationOptions();
        options.RewardJoin.RewardFunction = function;
        options.RewardJoin.DerivedRewardsRequireChosenAction = requireChosenAction;
        return new ScoringHarness(options);
    }

    private static void Wait(ScoringHarness harness, double seconds) => harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(seconds));

    [Fact]
    public void A_reward_inside_the_window_is_joined_and_the_record_carries_the_decision_as_logged()
    {
        using var harness = Harness();
        var decision = Decision("d1");
        harness.Send(decision);
        Wait(harness, 5);
        harness.Send(Reward("d1", 3, at: 5));

        Wait(harness, 10);
        Assert.True(harness.Training.IsEmpty, "the 20 s window has not passed yet");
        Wait(harness, 10);

        var record = Assert.Single(harness.Training.ReadRecordsToList());
        var training = record.Value;
        Assert.Equal(("u1", "d1", 3.0, RewardSource.Explicit, 1), (record.Key, training.DecisionId, training.Reward, training.RewardSource, training.Observations));
        Assert.Equal(decision.Timestamp, training.DecisionTimestamp);
        Assert.Equal(decision.Actions, training.Actions);
        Assert.Equal(decision.ChosenAction, training.ChosenAction);
        Assert.Equal(decision.Probability, training.Probability);
        Assert.Equal(decision.Probabilities, training.Probabilities);
        Assert.Equal(decision.Context, training.Context);
        Assert.Equal(decision.ModelId, training.ModelId);
        Assert.Equal(T0.AddSeconds(20), training.WindowEnd);
        Assert.Equal(T0.AddSeconds(20).ToUnixTimeMilliseconds(), record.Timestamp);
    }

    [Theory]
    [InlineData(RewardFunction.Max, 3.0, RewardSource.Derived)]
    [InlineData(RewardFunction.Sum, 6.0, RewardSource.Mixed)]
    [InlineData(RewardFunction.First, 1.0, RewardSource.Derived)]
    [InlineData(RewardFunction.Last, 2.0, RewardSource.Explicit)]
    public void Explicit_and_derived_rewards_are_combined_by_the_reward_function(RewardFunction function, double reward, RewardSource source)
    {
        using var harness = Harness(function);
        harness.Send(Decision("d1"));
        harness.Send(Click(EventType.ProductView, at: 2));     // derived 1, first
        harness.Send(Click(EventType.AddToCart, at: 6));       // derived 3, the largest
        harness.Send(Click(EventType.Search, at: 7));          // no reward
        harness.Send(Reward("d1", 2, at: 9));                 // explicit 2, last
        harness.Send(Click(EventType.AddToCart, at: 25));      // after the window: not counted

        Wait(harness, 23);

        var training = Assert.Single(harness.Training.ReadValuesToList());
        Assert.Equal(reward, training.Reward);
        Assert.Equal(source, training.RewardSource);
        Assert.Equal(3, training.Observations);
    }

    [Fact]
    public void Derived_rewards_can_be_limited_to_clicks_on_the_chosen_action()
    {
        using var harness = Harness(requireChosenAction: true);
        harness.Send(Decision("d1"));
        harness.Send(Click(EventType.AddToCart, at: 2, item: "item-3"));
        harness.Send(Click(EventType.ProductView, at: 3, item: "item-2"));

        Wait(harness, 23);

        var training = Assert.Single(harness.Training.ReadValuesToList());
        Assert.Equal((1.0, 1), (training.Reward, training.Observations));
    }

    [Fact]
    public void With_nothing_observed_the_window_closes_on_the_wall_clock_alone_with_the_default_reward()
    {
        using var harness = Harness();
        harness.Send(Decision("d1", waitMs: 5_000));
        harness.Send(Decision("d2"));

        Wait(harness, 8);
        var first = Assert.Single(harness.Training.ReadValuesToList());
        Assert.Equal(("d1", 0.0, RewardSource.Default, 0), (first.DecisionId, first.Reward, first.RewardSource, first.Observations));

        Wait(harness, 15);
        Assert.Equal("d2", Assert.Single(harness.Training.ReadValuesToList()).DecisionId);
        Assert.Equal(2, harness.TaskMetrics.CounterValue(RewardJoinMetrics.DefaultRewards));
    }

    [Fact]
    public void A_reward_or_a_click_that_arrives_before_its_decision_still_joins()
    {
        using var harness = Harness(RewardFunction.Sum);
        harness.Send(Reward("d1", 2, at: 1));
        harness.Send(Click(EventType.ProductView, at: 1.5));
        harness.Send(Decision("d1", at: 1));

        Wait(harness, 25);

        var training = Assert.Single(harness.Training.ReadValuesToList());
        Assert.Equal((3.0, RewardSource.Mixed, 2), (training.Reward, training.RewardSource, training.Observations));
    }

    [Fact]
    public void Only_the_latest_clicks_up_to_the_bound_wait_for_a_decision_that_arrives_after_them()
    {
        using var harness = Harness(RewardFunction.Sum);
        for (var i = 0; i < 36; i++)
        {
            harness.Send(Click(EventType.AddToCart, at: 1 + i * 0.1));
        }

        for (var i = 0; i < RecentClicks.MaxClicks; i++)
        {
            harness.Send(Click(EventType.ProductView, at: 5 + i * 0.1));
        }

        harness.Send(Decision("d1", at: 0));
        Wait(harness, 25);

        // Every click lies in the window, but only the latest 64 (the product views, 1 each) were still remembered.
        var training = Assert.Single(harness.Training.ReadValuesToList());
        Assert.Equal((RecentClicks.MaxClicks * 1.0, RecentClicks.MaxClicks), (training.Reward, training.Observations));
    }

    [Fact]
    public void A_user_who_stops_clicking_is_forgotten_once_stream_time_passes_the_recent_click_retention()
    {
        using var harness = Harness();
        var recent = harness.Driver.GetKeyValueStore<string, RecentClicks>(RewardJoinProcessor.RecentClickStore);
        harness.Send(Click(EventType.ProductView, at: 0, user: "quiet"));
        harness.Send(Click(EventType.ProductView, at: 60, user: "busy"));
        Wait(harness, 1);
        Assert.True(recent.TryGet("quiet", out _), "within the retention (2 min of stream time) the click is kept");

        harness.Send(Click(EventType.ProductView, at: 121, user: "busy"));
        Wait(harness, 1);

        Assert.False(recent.TryGet("quiet", out _));
        Assert.True(recent.TryGet("busy", out _));
    }

    [Fact]
    public void Every_quiet_user_is_forgotten_within_a_few_rounds_even_when_there_are_more_than_one_round_examines()
    {
        using var harness = Harness();
        var recent = harness.Driver.GetKeyValueStore<string, RecentClicks>(RewardJoinProcessor.RecentClickStore);
        for (var i = 0; i < 2_500; i++)
        {
            harness.Send(Click(EventType.ProductView, at: 0, user: $"quiet-{i:D4}"));
        }

        harness.Send(Click(EventType.ProductView, at: 121, user: "busy"));
        Wait(harness, 1);
        Assert.True(recent.All().Count() > 1, "one round examines a bounded number of users, not all 2,500");

        Wait(harness, 1);
        Wait(harness, 1);
        Assert.Equal(["busy"], recent.All().Select(entry => entry.Key).ToList());
    }

    [Fact]
    public void A_reward_after_the_record_was_written_is_counted_as_late_and_not_used()
    {
        using var harness = Harness();
        harness.Send(Decision("d1"));
        Wait(harness, 25);
        Assert.Equal(0.0, Assert.Single(harness.Training.ReadValuesToList()).Reward);

        harness.Send(Reward("d1", 3, at: 26));
        Wait(harness, 30);

        Assert.True(harness.Training.IsEmpty);
        Assert.Equal(1, harness.TaskMetrics.CounterValue(RewardJoinMetrics.LateRewards));
        Assert.Equal(0, harness.TaskMetrics.CounterValue(RewardJoinMetrics.UnknownRewardsEvicted));
    }

    [Fact]
    public void A_closed_decision_is_remembered_for_the_closed_decision_retention_and_then_forgotten()
    {
        using var harness = Harness();
        harness.Send(Decision("d1"));
        harness.Send(Decision("d2", user: "u2"));
        Wait(harness, 25);
        Assert.Equal(2, harness.Training.ReadValuesToList().Count);

        // Nine minutes later the join still knows both: a reward is late, a redelivered decision a duplicate.
        Wait(harness, 9 * 60);
        harness.Send(Reward("d1", 3, at: 9 * 60));
        harness.Send(Decision("d2", user: "u2"));
        Assert.Equal(1, harness.TaskMetrics.CounterValue(RewardJoinMetrics.LateRewards));
        Assert.Equal(1, harness.TaskMetrics.CounterValue(RewardJoinMetrics.DuplicateDecisions));

        // Past the ten minutes a reward for d1 is one for a decision the join has never seen, and waits for it.
        Wait(harness, 2 * 60);
        harness.Send(Reward("d1", 3, at: 11.5 * 60));
        Assert.Equal(1, harness.TaskMetrics.CounterValue(RewardJoinMetrics.LateRewards));
        Wait(harness, 90);
        Assert.Equal(1, harness.TaskMetrics.CounterValue(RewardJoinMetrics.UnknownRewardsEvicted));
        Assert.True(harness.Training.IsEmpty);
    }

    [Fact]
    public void A_reward_for_a_decision_that_never_comes_is_evicted_after_the_bound_and_counted()
    {
        using var harness = Harness();
        harness.Send(Reward("ghost", 3, at: 0));

        Wait(harness, 30);
        Assert.Equal(0, harness.TaskMetrics.CounterValue(RewardJoinMetrics.UnknownRewardsEvicted));
        Wait(harness, 40);

        Assert.Equal(1, harness.TaskMetrics.CounterValue(RewardJoinMetrics.UnknownRewardsEvicted));
        harness.Send(Decision("ghost", at: 70));
        Wait(harness, 25);
        Assert.Equal(RewardSource.Default, Assert.Single(harness.Training.ReadValuesToList()).RewardSource);
    }

    [Fact]
    public void Each_decision_yields_exactly_one_training_record_even_when_it_is_delivered_twice()
    {
        using var harness = Harness();
        var ids = Enumerable.Range(0, 50).Select(i => $"d{i}").ToList();
        foreach (var id in ids)
        {
            harness.Send(Decision(id, user: $"u{id.Length % 3}", at: ids.IndexOf(id) * 0.1));
            harness.Send(Click(EventType.ProductView, at: ids.IndexOf(id) * 0.1 + 1, user: $"u{id.Length % 3}"));
        }

        harness.Send(Decision("d7", user: "u2", at: 0.7));   // delivered again, before its window closed
        Wait(harness, 30);
        harness.Send(Decision("d3", user: "u2", at: 0.3));   // and again after
        Wait(harness, 30);

        var records = harness.Training.ReadValuesToList();
        Assert.Equal(ids.Order(), records.Select(r => r.DecisionId).Order());
        Assert.Equal(2, harness.TaskMetrics.CounterValue(RewardJoinMetrics.DuplicateDecisions));
    }

    [Fact]
    public void A_pending_decision_and_its_reward_survive_a_restart()
    {
        var training = AcrossARestart(
            before =>
            {
                before.Send(Decision("d1"));
                before.Send(Reward("d1", 3, at: 2));
            },
            after => { });

        Assert.Equal(("d1", 3.0), (training.DecisionId, training.Reward));
    }

    [Fact]
    public void A_click_counts_for_a_decision_still_open_after_an_earlier_one_of_the_same_user_closed()
    {
        using var harness = Harness();
        harness.Send(Decision("d1", waitMs: 5_000));
        harness.Send(Decision("d2", at: 1));

        Wait(harness, 8);
        Assert.Equal("d1", Assert.Single(harness.Training.ReadValuesToList()).DecisionId);

        harness.Send(Click(EventType.AddToCart, at: 9));
        Wait(harness, 15);

        var second = Assert.Single(harness.Training.ReadValuesToList());
        Assert.Equal(("d2", 3.0, RewardSource.Derived), (second.DecisionId, second.Reward, second.RewardSource));
    }

    [Fact]
    public void A_click_after_a_restart_counts_for_a_decision_opened_before_it()
    {
        var training = AcrossARestart(before => before.Send(Decision("d1")), after => after.Send(Click(EventType.ProductView, at: 3)));

        Assert.Equal(("d1", 1.0, RewardSource.Derived), (training.DecisionId, training.Reward, training.RewardSource));
    }

    /// <summary>
    /// Sends <paramref name="before"/>'s records, closes the topology, opens it again on the same state directory,
    /// sends <paramref name="after"/>'s, and returns the one training record written once every window has closed.
    /// </summary>
    private static TrainingRecord AcrossARestart(Action<ScoringHarness> before, Action<ScoringHarness> after)
    {
        var options = new PersonalizationOptions();
        var stateDir = Path.Combine(Path.GetTempPath(), "join-restart-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var first = new ScoringHarness(options, stateDir: stateDir))
            {
                before(first);
            }

            using var second = new ScoringHarness(options, stateDir: stateDir);
            after(second);
            second.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(25));
            return Assert.Single(second.Training.ReadValuesToList());
        }
        finally
        {
            Directory.Delete(stateDir, recursive: true);
        }
    }
}
