using Personalization.Topology.Attributes;
using Personalization.Topology.Bandit;
using Personalization.Topology.Features;
using Personalization.Topology.Records;

namespace Personalization.Topology.Tests.Attributes;

public sealed class AttributeAndForgetTests
{
    private static readonly DateTimeOffset T0 = ScoringHarness.WallStart;
    private int _serial;

    private ClickEvent Click(string user, EventType type, double at, double? price = null) => new()
    {
        EventId = $"c{++_serial}",
        UserId = user,
        SessionId = "s1",
        Type = type,
        Timestamp = T0.AddSeconds(at),
        ItemId = "item-1",
        Price = price,
        DeviceId = "device-1",
    };

    [Fact]
    public void An_attribute_update_is_sent_only_when_an_attribute_changes_at_its_granularity()
    {
        using var harness = new ScoringHarness();   // no models: the heuristics score, deterministically

        harness.Send(Click("u1", EventType.PageView, 0));
        var first = Assert.Single(harness.Attributes.ReadValuesToList());
        Assert.Equal(Segment.NewVisitor, first.Attributes.Segment);
        Assert.Equal(["last_active", "propensity_decile", "propensity_score", "segment"], first.Changes.Select(c => c.Name).Order());
        Assert.All(first.Changes, c => Assert.Null(c.OldValue));

        // More browsing five seconds later: a new propensity score, but in the same bucket, and the same hour: no update.
        harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(5));
        harness.Send(Click("u1", EventType.Search, 5));
        Assert.Single(harness.PropensityScores.ReadValuesToList().Skip(1));
        Assert.True(harness.Attributes.IsEmpty, "nothing changed at the granularity downstream cares about");

        // Adding to the cart moves the propensity bucket and the segment: one update with old and new values.
        harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(5));
        harness.Send(Click("u1", EventType.AddToCart, 10, price: 40));
        var update = Assert.Single(harness.Attributes.ReadValuesToList());
        var segment = Assert.Single(update.Changes, c => c.Name == "segment");
        Assert.Equal(("NEW_VISITOR", "CART_ABANDONER"), (segment.OldValue, segment.NewValue));
        var score = Assert.Single(update.Changes, c => c.Name == "propensity_score");
        Assert.Equal(first.Attributes.PropensityScore?.ToString(System.Globalization.CultureInfo.InvariantCulture), score.OldValue);
        Assert.Equal(update.Attributes.PropensityScore?.ToString(System.Globalization.CultureInfo.InvariantCulture), score.NewValue);
        Assert.Equal(Segment.CartAbandoner, update.Attributes.Segment);
        Assert.Equal(0, update.Attributes.PropensityScore!.Value * 100 % 5, 6);
    }

    [Fact]
    public void Fraud_attributes_follow_fraud_scores_and_hold_while_the_guardrail_is_active()
    {
        var options = new PersonalizationOptions();
        options.Scoring.FraudGuardrailMinScores = 5;
        options.Scoring.FraudGuardrailCeiling = 0.2;
        options.Scoring.FraudGuardrailRecovery = 0.1;
        using var harness = new ScoringHarness(options);

        harness.Send(Click("calm", EventType.Login, 0));
        var calm = harness.Attributes.ReadValuesToList().Last().Attributes;
        Assert.Equal(RiskLevel.Low, calm.FraudRisk);

        // Four users failing payments over and over push the high-risk share over the ceiling ...
        for (var user = 1; user <= 4; user++)
        {
            for (var i = 0; i < 10; i++)
            {
                harness.Send(Click($"risky-{user}", EventType.PaymentFailed, 1 + i));
            }
        }

        Assert.True(harness.Guardrail.IsActive);

        // ... so a fifth who does the same gets high fraud scores, but no fraud flag.
        for (var i = 0; i < 10; i++)
        {
            harness.Send(Click("risky-0", EventType.PaymentFailed, 1 + i));
        }

        var updates = harness.Attributes.ReadValuesToList();
        var lastRisky = updates.Where(u => u.UserId == "risky-0").Last().Attributes;
        Assert.NotEqual(RiskLevel.High, lastRisky.FraudRisk);
        Assert.Contains(harness.FraudScores.ReadValuesToList(), s => s.UserId == "risky-0" && s.Value >= 0.8);
        Assert.True(harness.TaskMetrics.CounterValue(AttributeMetrics.FraudFlagsHeld) > 0);

        // A minute later the guardrail is off again and the next high score flags the user.
        harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(70));
        Assert.False(harness.Guardrail.IsActive);
        harness.Send(Click("risky-0", EventType.PaymentFailed, 80));
        Assert.Equal(RiskLevel.High, harness.Attributes.ReadValuesToList().Last().Attributes.FraudRisk);
    }

    [Fact]
    public void Forgetting_a_user_removes_them_from_every_store_and_writes_tombstones()
    {
        using var harness = new ScoringHarness();
        harness.Send(Click("gone", EventType.PageView, 0));
        harness.Send(Click("gone", EventType.AddToCart, 1, price: 10));
        // An event in the next hour rolls the first hour up into an hour tile.
        harness.Send(Click("gone", EventType.PageView, 3_600));
        Assert.NotEmpty(harness.Driver.GetWindowStore<string, HourTile>(UserScoringProcessor.HourStore).Fetch("gone", 0, long.MaxValue));
        harness.Send(new Decision
        {
            EventId = "d1", UserId = "gone", Timestamp = T0, Context = new Dictionary<string, double>(), Actions = ["a"], ChosenAction = "a",
            Probability = 1, Probabilities = [1], ModelId = "m",
        });
        harness.Send(new Reward { EventId = "d-unknown", UserId = "gone", Value = 1, Timestamp = T0 });
        harness.Send(Click("stays", EventType.PageView, 0));
        harness.Features.ReadValuesToList();
        harness.Attributes.ReadValuesToList();

        harness.Forget.PipeInput("gone", null!, T0.AddSeconds(2).ToUnixTimeMilliseconds());

        var featureTombstone = Assert.Single(harness.Features.ReadRecordsToList());
        Assert.Equal(("gone", (UserFeatures?)null), (featureTombstone.Key, featureTombstone.Value));
        var attributeTombstone = Assert.Single(harness.Attributes.ReadRecordsToList());
        Assert.Equal(("gone", (AttributeUpdate?)null), (attributeTombstone.Key, attributeTombstone.Value));

        Assert.False(harness.Driver.GetKeyValueStore<string, UserProfile>(UserScoringProcessor.ProfileStore).TryGet("gone", out _));
        Assert.Empty(harness.Driver.GetWindowStore<string, FeatureTile>(UserScoringProcessor.TileStore).Fetch("gone", 0, long.MaxValue));
        Assert.Empty(harness.Driver.GetWindowStore<string, HourTile>(UserScoringProcessor.HourStore).Fetch("gone", 0, long.MaxValue));
        Assert.DoesNotContain(harness.Driver.GetKeyValueStore<string, long>(UserScoringProcessor.PendingStore).All(), e => e.Key.EndsWith("\0gone", StringComparison.Ordinal));
        Assert.False(harness.Driver.GetKeyValueStore<string, UserAttributes>("user-attributes").TryGet("gone", out _));
        Assert.DoesNotContain(harness.Driver.GetKeyValueStore<string, PendingDecision>(RewardJoinProcessor.PendingStore).All(), e => e.Key.StartsWith("gone\0", StringComparison.Ordinal));
        Assert.DoesNotContain(harness.Driver.GetKeyValueStore<string, EarlyRewards>(RewardJoinProcessor.EarlyRewardStore).All(), e => e.Key.StartsWith("gone\0", StringComparison.Ordinal));
        Assert.False(harness.Driver.GetKeyValueStore<string, RecentClicks>(RewardJoinProcessor.RecentClickStore).TryGet("gone", out _));
        Assert.True(harness.Driver.GetKeyValueStore<string, UserProfile>(UserScoringProcessor.ProfileStore).TryGet("stays", out _));

        harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(30));
        Assert.True(harness.Training.IsEmpty, "a forgotten user's pending decision yields no training record");

        // Coming back later starts from nothing.
        harness.Send(Click("gone", EventType.PageView, 40));
        var fresh = harness.Features.ReadValuesToList().Single(f => f!.UserId == "gone")!;
        Assert.Equal(0, fresh.Last24h.AddToCart);
        Assert.Equal(1, fresh.Last24h.Events);
    }
}
