using Personalization.Topology.Records;
using Personalization.Topology.Triggers;

namespace Personalization.Topology.Tests.Triggers;

/// <summary>Each trigger rule on the topology test driver, with the whole topology (no models: heuristic scores).</summary>
public sealed class TriggerRuleTests
{
    private static readonly DateTimeOffset T0 = ScoringHarness.WallStart;
    private int _serial;

    private ClickEvent Click(string user, EventType type, TimeSpan at, string? item = "item-1", double? price = null, int? quantity = null) => new()
    {
        EventId = $"c{++_serial}",
        UserId = user,
        SessionId = "s-" + user,
        Type = type,
        Timestamp = T0 + at,
        ItemId = item,
        Price = price,
        Quantity = quantity,
        DeviceId = "device-" + user,
    };

    private static ItemUpdate Item(string item, double price, TimeSpan at, bool inStock = true) => new()
    {
        ItemId = item,
        Name = "Name of " + item,
        Category = "shoes",
        Price = price,
        Currency = "EUR",
        InStock = inStock,
        UpdatedAt = T0 + at,
    };

    private static TimeSpan Minutes(double minutes) => TimeSpan.FromMinutes(minutes);

    private static long Suppressed(ScoringHarness harness, TriggerKind kind, string reason) =>
        harness.TaskMetrics.CounterValue(TriggerMetrics.Suppressed, Symbols.Of(kind), reason);

    [Fact]
    public void A_price_drop_of_at_least_the_fraction_below_the_price_a_viewer_saw_triggers_them_and_a_smaller_one_does_not()
    {
        using var harness = new ScoringHarness();
        harness.Send(Item("item-1", 100, Minutes(0)));
        harness.Send(Click("u1", EventType.ProductView, Minutes(1), price: 100));
        harness.Send(Click("u2", EventType.ProductView, Minutes(2), price: 100));

        harness.Send(Item("item-1", 95, Minutes(10)));
        Assert.True(harness.Triggers.IsEmpty, "5 % below what they saw is under the 10 % threshold");

        harness.Send(Item("item-1", 89, Minutes(20)));
        var triggers = harness.Triggers.ReadKeyValuesToList();
        Assert.Equal(["u1", "u2"], triggers.Select(t => t.Key).Order());
        var trigger = triggers.Single(t => t.Key == "u1").Value;
        Assert.Equal(TriggerKind.PriceDrop, trigger.Kind);
        Assert.Equal((100.0, 89.0, "EUR"), (trigger.OldPrice!.Value, trigger.NewPrice!.Value, trigger.Currency));
        var item = Assert.Single(trigger.Items);
        Assert.Equal(("item-1", "Name of item-1", "shoes", 89.0), (item.ItemId, item.Name, item.Category, item.Price!.Value));
        Assert.Equal(T0 + Minutes(1), trigger.InterestAt);
        Assert.Equal($"catalog:item-1@{(T0 + Minutes(20)).ToUnixTimeMilliseconds()}", trigger.Cause);
        Assert.Equal(T0 + Minutes(20), trigger.CauseTime);
        Assert.Equal(Trigger.IdOf(TriggerKind.PriceDrop, "u1", trigger.Cause), trigger.TriggerId);
        Assert.Equal(harness.Driver.WallClock, trigger.CreatedAt);
        Assert.Equal(2, harness.TaskMetrics.CounterValue(TriggerMetrics.Triggers, "PRICE_DROP"));
    }

    [Fact]
    public void A_viewer_who_saw_the_item_cheaper_than_the_new_price_is_not_told_of_a_drop()
    {
        using var harness = new ScoringHarness();
        harness.Send(Item("item-1", 80, Minutes(0)));
        harness.Send(Click("sale-viewer", EventType.ProductView, Minutes(1)));
        harness.Send(Item("item-1", 100, Minutes(5)));
        harness.Send(Click("full-price-viewer", EventType.ProductView, Minutes(6)));

        harness.Send(Item("item-1", 85, Minutes(10)));

        Assert.Equal(["full-price-viewer"], harness.Triggers.ReadKeyValuesToList().Select(t => t.Key));
    }

    [Fact]
    public void Coming_back_in_stock_triggers_everyone_interested_once_and_a_price_change_while_out_of_stock_does_not()
    {
        using var harness = new ScoringHarness();
        harness.Send(Item("item-1", 50, Minutes(0)));
        harness.Send(Click("viewer", EventType.ProductView, Minutes(1)));
        harness.Send(Click("carter", EventType.AddToCart, Minutes(2), price: 50, quantity: 1));
        harness.Send(Click("carter", EventType.CheckoutStart, Minutes(3), item: null));
        harness.Send(Item("item-1", 50, Minutes(10), inStock: false));
        harness.Send(Item("item-1", 30, Minutes(11), inStock: false));
        Assert.True(harness.Triggers.IsEmpty);

        harness.Send(Item("item-1", 30, Minutes(20), inStock: true));

        var triggers = harness.Triggers.ReadKeyValuesToList();
        Assert.Equal(["carter", "viewer"], triggers.Select(t => t.Key).Order());
        Assert.All(triggers, t => Assert.Equal((TriggerKind.BackInStock, (double?)null, (double?)30), (t.Value.Kind, t.Value.OldPrice, t.Value.NewPrice)));
    }

    [Fact]
    public void A_user_who_bought_the_item_since_their_interest_is_not_triggered_but_one_who_looked_again_after_buying_is()
    {
        using var harness = new ScoringHarness();
        harness.Send(Item("item-1", 100, Minutes(0)));
        harness.Send(Click("buyer", EventType.ProductView, Minutes(1)));
        harness.Send(Click("buyer", EventType.Purchase, Minutes(2), price: 100, quantity: 1));
        harness.Send(Click("returning", EventType.ProductView, Minutes(1)));
        harness.Send(Click("returning", EventType.Purchase, Minutes(2), price: 100, quantity: 1));
        harness.Send(Click("returning", EventType.ProductView, Minutes(3)));

        harness.Send(Item("item-1", 70, Minutes(10)));

        Assert.Equal(["returning"], harness.Triggers.ReadKeyValuesToList().Select(t => t.Key));
        Assert.Equal(1, Suppressed(harness, TriggerKind.PriceDrop, "purchased"));
    }

    [Fact]
    public void Interest_older_than_the_look_back_triggers_nothing_and_leaves_the_index()
    {
        var options = new PersonalizationOptions();
        options.Triggers.LookBack = TimeSpan.FromHours(1);
        using var harness = new ScoringHarness(options);
        harness.Send(Item("item-1", 100, Minutes(0)));
        harness.Send(Click("old", EventType.ProductView, Minutes(1)));
        harness.Send(Click("recent", EventType.ProductView, Minutes(50)));

        harness.Send(Item("item-1", 60, Minutes(70)));

        Assert.Equal(["recent"], harness.Triggers.ReadKeyValuesToList().Select(t => t.Key));
        Assert.Equal(1, Suppressed(harness, TriggerKind.PriceDrop, "look_back"));
        Assert.Null(harness.Driver.GetKeyValueStore<string, InterestEntry>(ItemTriggerProcessor.InterestStore).Get(InterestEntry.Key("item-1", "old")));
        Assert.Equal(1, harness.Driver.GetKeyValueStore<string, ItemWatch>(ItemTriggerProcessor.WatchStore).Get("item-1")!.Users);
    }

    [Fact]
    public void A_user_gets_at_most_the_daily_cap_and_each_item_and_kind_once_per_deduplication_period()
    {
        using var harness = new ScoringHarness();
        for (var item = 1; item <= 5; item++)
        {
            harness.Send(Item($"item-{item}", 100, Minutes(0)));
            harness.Send(Click("u1", EventType.ProductView, Minutes(item), item: $"item-{item}"));
        }

        harness.Send(Item("item-1", 80, Minutes(10)));
        harness.Send(Item("item-1", 100, Minutes(11)));
        harness.Send(Item("item-1", 70, Minutes(12)));
        Assert.Single(harness.Triggers.ReadValuesToList());
        Assert.Equal(1, Suppressed(harness, TriggerKind.PriceDrop, "duplicate"));

        harness.Send(Item("item-2", 80, Minutes(20)));
        harness.Send(Item("item-3", 80, Minutes(21)));
        harness.Send(Item("item-4", 80, Minutes(22)));
        Assert.Equal(["item-2", "item-3"], harness.Triggers.ReadValuesToList().Select(t => t.Items[0].ItemId));
        Assert.Equal(1, Suppressed(harness, TriggerKind.PriceDrop, "frequency_cap"));

        // A day after the first three, the cap has room again.
        harness.Send(Click("u1", EventType.ProductView, TimeSpan.FromHours(25), item: "item-5"));
        harness.Send(Item("item-5", 80, TimeSpan.FromHours(26)));
        Assert.Equal("item-5", Assert.Single(harness.Triggers.ReadValuesToList()).Items[0].ItemId);
    }

    [Fact]
    public void Triggers_for_a_user_whose_fraud_risk_is_high_are_held_back_and_counted()
    {
        var options = new PersonalizationOptions();
        options.Attributes.FraudMediumRisk = 0.01;
        options.Attributes.FraudHighRisk = 0.02;
        using var harness = new ScoringHarness(options);
        harness.Send(Item("item-1", 100, Minutes(0)));
        harness.Send(Click("risky", EventType.ProductView, Minutes(1)));
        harness.Send(Click("risky", EventType.PaymentAttempt, Minutes(2), item: null));
        Assert.Equal(RiskLevel.High, harness.Attributes.ReadValuesToList()[^1].Attributes.FraudRisk);

        harness.Send(Item("item-1", 50, Minutes(5)));

        Assert.True(harness.Triggers.IsEmpty);
        Assert.Equal(1, Suppressed(harness, TriggerKind.PriceDrop, "fraud_hold"));
    }

    [Fact]
    public void Each_item_and_each_user_keep_a_bounded_interest_and_what_falls_out_is_counted()
    {
        var options = new PersonalizationOptions();
        options.Triggers.MaxUsersPerItem = 10;
        options.Triggers.MaxItemsPerUser = 3;
        using var harness = new ScoringHarness(options);
        harness.Send(Item("popular", 100, Minutes(0)));
        for (var user = 0; user < 15; user++)
        {
            harness.Send(Click($"fan-{user:D2}", EventType.ProductView, Minutes(1 + user), item: "popular"));
        }

        for (var item = 0; item < 5; item++)
        {
            harness.Send(Item($"bot-item-{item}", 100, Minutes(0)));
            harness.Send(Click("bot", EventType.ProductView, Minutes(20 + item), item: $"bot-item-{item}"));
        }

        harness.Send(Item("popular", 50, Minutes(30)));
        harness.Send(Item("bot-item-0", 50, Minutes(31)));
        harness.Send(Item("bot-item-4", 50, Minutes(32)));

        var triggered = harness.Triggers.ReadKeyValuesToList();
        var fans = triggered.Where(t => t.Value.Items[0].ItemId == "popular").Select(t => t.Key).ToList();
        Assert.InRange(fans.Count, 9, 10);
        Assert.DoesNotContain("fan-00", fans);
        Assert.Contains("fan-14", fans);
        Assert.Equal(["bot-item-4"], triggered.Where(t => t.Key == "bot").Select(t => t.Value.Items[0].ItemId));
        Assert.True(harness.TaskMetrics.CounterValue(TriggerMetrics.InterestDropped, "item_cap") >= 5);
        Assert.Equal(2, harness.TaskMetrics.CounterValue(TriggerMetrics.InterestDropped, "user_cap"));
    }

    [Fact]
    public void A_cart_left_in_silence_is_abandoned_on_the_wall_clock_with_its_items_and_value()
    {
        using var harness = new ScoringHarness();
        harness.Send(Click("u1", EventType.AddToCart, Minutes(0), item: "item-1", price: 20, quantity: 2));
        harness.Send(Click("u1", EventType.AddToCart, Minutes(1), item: "item-2", price: 5));
        harness.Send(Click("u1", EventType.RemoveFromCart, Minutes(2), item: "item-2", quantity: 1));
        harness.Send(Click("u1", EventType.AddToCart, Minutes(3), item: "item-3", price: 7.5));

        // The worker processed the last change at wall-clock T0: 30 minutes of silence on the wall clock abandon the cart.
        harness.Driver.AdvanceWallClockTime(Minutes(29));
        Assert.True(harness.Triggers.IsEmpty);
        harness.Driver.AdvanceWallClockTime(Minutes(1));

        var (user, trigger) = Assert.Single(harness.Triggers.ReadKeyValuesToList());
        Assert.Equal("u1", user);
        Assert.Equal(TriggerKind.CartAbandoned, trigger.Kind);
        Assert.Equal(["item-1", "item-3"], trigger.Items.Select(i => i.ItemId));
        Assert.Equal([2, 1], trigger.Items.Select(i => i.Quantity));
        Assert.Equal(47.5, trigger.CartValue);
        Assert.Equal(T0 + Minutes(3), trigger.InterestAt);
        Assert.Equal(T0 + Minutes(33), trigger.CauseTime);
        Assert.Equal("c4", trigger.Cause);

        harness.Driver.AdvanceWallClockTime(Minutes(60));
        Assert.True(harness.Triggers.IsEmpty, "an abandoned cart fires once");
    }

    [Fact]
    public void A_later_event_past_the_timeout_abandons_the_cart_and_a_checkout_in_time_closes_it_without_a_trigger()
    {
        using var harness = new ScoringHarness();
        harness.Send(Click("leaver", EventType.AddToCart, Minutes(0), price: 10));
        harness.Send(Click("buyer", EventType.AddToCart, Minutes(0), price: 10));
        harness.Send(Click("leaver", EventType.PageView, Minutes(20), item: null));
        harness.Send(Click("buyer", EventType.CheckoutStart, Minutes(20), item: null));
        Assert.True(harness.Triggers.IsEmpty);

        harness.Send(Click("leaver", EventType.PageView, Minutes(45), item: null));

        var (user, trigger) = Assert.Single(harness.Triggers.ReadKeyValuesToList());
        Assert.Equal(("leaver", TriggerKind.CartAbandoned), (user, trigger.Kind));
        Assert.Equal(T0 + Minutes(30), trigger.CauseTime);
        harness.Driver.AdvanceWallClockTime(Minutes(60));
        harness.Driver.AdvanceWallClockTime(Minutes(1));
        Assert.True(harness.Triggers.IsEmpty, "the checkout closed the buyer's cart");
    }

    [Fact]
    public void A_forgotten_user_leaves_every_trigger_store_and_index_and_is_not_triggered()
    {
        using var harness = new ScoringHarness();
        harness.Send(Item("item-1", 100, Minutes(0)));
        harness.Send(Click("gone", EventType.ProductView, Minutes(1)));
        harness.Send(Click("gone", EventType.AddToCart, Minutes(2), price: 100));
        harness.Send(Click("stays", EventType.ProductView, Minutes(3)));
        harness.Send(Item("item-1", 80, Minutes(4)));
        Assert.Equal(2, harness.Triggers.ReadValuesToList().Count);

        harness.Forget.PipeInput("gone", [], (T0 + Minutes(5)).ToUnixTimeMilliseconds());
        harness.Send(Item("item-1", 100, Minutes(6), inStock: false));
        harness.Send(Item("item-1", 100, Minutes(7), inStock: true));
        harness.Driver.AdvanceWallClockTime(Minutes(40));
        harness.Driver.AdvanceWallClockTime(Minutes(1));

        Assert.Equal(["stays"], harness.Triggers.ReadKeyValuesToList().Select(t => t.Key));
        Assert.Null(harness.Driver.GetKeyValueStore<string, UserItems>(UserInterestProcessor.Store).Get("gone"));
        Assert.Null(harness.Driver.GetKeyValueStore<string, InterestEntry>(ItemTriggerProcessor.InterestStore).Get(InterestEntry.Key("item-1", "gone")));
        Assert.Null(harness.Driver.GetKeyValueStore<string, Cart>(CartAbandonmentProcessor.Store).Get("gone"));
        Assert.Null(harness.Driver.GetKeyValueStore<string, SentTriggers>(TriggerPolicyProcessor.Store).Get("gone"));
    }
}
