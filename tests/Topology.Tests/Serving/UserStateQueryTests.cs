using System.Text.Json;
using Personalization.Topology.Records;
using Personalization.Topology.Serving;

namespace Personalization.Topology.Tests.Serving;

/// <summary>
/// What the query API serves of a user, read through the read-only view a running instance gives: the attributes and
/// scores last written to the output topics, features as of the latest event, and nothing of a user never seen or
/// forgotten.
/// </summary>
public sealed class UserStateQueryTests
{
    private static readonly DateTimeOffset T0 = ScoringHarness.WallStart;
    private int _serial;

    private ClickEvent Click(string user, EventType type, double at) => new()
    {
        EventId = $"c{++_serial}",
        UserId = user,
        SessionId = "s1",
        Type = type,
        Timestamp = T0.AddSeconds(at),
        ItemId = "item-1",
        Price = 30,
        DeviceId = "device-1",
    };

    private static UserState? Query(ScoringHarness harness, string user) => harness.Driver.Query(UserStateQuery.RoutingStore, stores => UserStateQuery.Read(stores, user));

    private static string Json(object? value) => JsonSerializer.Serialize(value);

    [Fact]
    public void A_users_state_is_what_the_output_topics_last_carried_with_features_as_of_the_latest_event()
    {
        using var harness = new ScoringHarness();
        harness.Send(Click("u1", EventType.ProductView, 0));
        harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(5));
        harness.Send(Click("u1", EventType.Login, 5));
        harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(3));
        harness.Send(Click("u1", EventType.AddToCart, 8));   // neither fraud risk nor due for propensity: not scored yet

        var state = Query(harness, "u1")!;
        var fraud = harness.FraudScores.ReadValuesToList();
        var propensity = harness.PropensityScores.ReadValuesToList();
        var attributes = harness.Attributes.ReadValuesToList();
        var features = harness.Features.ReadValuesToList();
        Assert.Equal(Json(fraud[^1]), Json(state.Fraud));
        Assert.Equal(Json(propensity[^1]), Json(state.Propensity));
        Assert.Equal(Json(attributes[^1].Attributes), Json(state.Attributes));
        Assert.Equal(T0.AddSeconds(8), state.Features!.AsOf);
        Assert.Equal(1, state.Features.Last1m.AddToCart);
        Assert.Equal(T0.AddSeconds(5), features[^1].AsOf);

        // The pending propensity score comes due: the features on the topic catch up with the query's.
        harness.Driver.AdvanceWallClockTime(TimeSpan.FromMinutes(2));
        var caughtUp = Query(harness, "u1")!;
        Assert.Equal(Json(harness.Features.ReadValuesToList()[^1]), Json(caughtUp.Features));
        Assert.Equal(Json(harness.PropensityScores.ReadValuesToList()[^1]), Json(caughtUp.Propensity));
        Assert.Equal(Json(state.Fraud), Json(caughtUp.Fraud));
    }

    [Fact]
    public void Recent_activity_lists_the_minutes_of_the_last_hour_with_their_events_and_items_newest_first()
    {
        using var harness = new ScoringHarness();
        harness.Send(Click("u1", EventType.ProductView, 0));
        harness.Send(Click("u1", EventType.ProductView, 10) with { ItemId = "item-2", Category = "shoes" });
        harness.Send(Click("u1", EventType.AddToCart, 20));
        harness.Send(Click("u1", EventType.Purchase, 600));
        harness.Send(Click("u1", EventType.Search, 4000) with { ItemId = null });   // 66 minutes after the first: the hour ends here

        var activity = Query(harness, "u1")!.RecentActivity;

        Assert.Equal([T0.AddSeconds(3960), T0.AddSeconds(600)], activity.Select(m => m.Minute));
        Assert.Equal(new Dictionary<string, int> { ["SEARCH"] = 1 }, activity[0].Events);
        Assert.Empty(activity[0].Items);
        Assert.Equal(new Dictionary<string, int> { ["PURCHASE"] = 1 }, activity[1].Events);
        Assert.Equal(["item-1"], activity[1].Items);
    }

    [Fact]
    public void Open_bandit_decisions_with_their_rewards_so_far_and_the_triggers_sent_are_part_of_a_users_state()
    {
        using var harness = new ScoringHarness();
        harness.Send(new Decision
        {
            EventId = "d1", UserId = "u1", Timestamp = T0, Context = new Dictionary<string, double> { ["hour"] = 9 }, Actions = ["item-1", "item-2"],
            ChosenAction = "item-2", Probability = 0.8, Probabilities = [0.2, 0.8], ModelId = "bandit-v1", RewardWaitMs = 60_000,
        });
        harness.Send(new Reward { EventId = "d1", UserId = "u1", Value = 2, Timestamp = T0.AddSeconds(5) });
        harness.Send(new ItemUpdate { ItemId = "item-1", Name = "Shoe", Category = "shoes", Price = 100, Currency = "EUR", InStock = true, UpdatedAt = T0 });
        harness.Send(Click("u1", EventType.ProductView, 10) with { Price = 100 });
        harness.Send(new ItemUpdate { ItemId = "item-1", Name = "Shoe", Category = "shoes", Price = 80, Currency = "EUR", InStock = true, UpdatedAt = T0.AddSeconds(20) });

        var state = Query(harness, "u1")!;

        var pending = Assert.Single(state.PendingDecisions);
        Assert.Equal(("d1", "item-2", "bandit-v1", T0.AddMinutes(1)), (pending.DecisionId, pending.ChosenAction, pending.ModelId, pending.WindowEnd));
        Assert.Equal([2.0, 1.0], pending.Rewards);   // the explicit reward, then the product view 10 s after the decision
        var trigger = Assert.Single(state.SentTriggers);
        Assert.Equal(("PRICE_DROP", "item-1"), (trigger.Kind, trigger.Subject));
        Assert.Equal(trigger.Subject, Assert.Single(harness.Triggers.ReadValuesToList()).Items.Single().ItemId);

        harness.Driver.AdvanceWallClockTime(TimeSpan.FromMinutes(2));   // the window closes: the decision is joined and leaves
        Assert.Empty(Query(harness, "u1")!.PendingDecisions);
    }

    [Fact]
    public void A_user_never_seen_or_forgotten_has_no_state()
    {
        using var harness = new ScoringHarness();
        Assert.Null(Query(harness, "nobody"));

        harness.Send(Click("u2", EventType.Purchase, 0));
        Assert.NotNull(Query(harness, "u2")!.Fraud);
        harness.Forget.PipeInput("u2", [], T0.AddSeconds(1).ToUnixTimeMilliseconds());
        Assert.Null(Query(harness, "u2"));
    }

    [Fact]
    public void A_query_cannot_write_to_the_stores_it_reads()
    {
        using var harness = new ScoringHarness();
        var error = Assert.Throws<ArgumentException>(() => harness.Driver.Query(
            UserStateQuery.RoutingStore, stores => stores.Store<Streams.Engine.State.IKeyValueStore<string, LatestScores>>(LatestScoreProcessor.Store)));
        Assert.Contains("must not write", error.Message, StringComparison.Ordinal);
    }
}
