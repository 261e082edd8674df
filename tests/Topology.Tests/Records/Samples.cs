using Personalization.Topology.Records;

namespace Personalization.Topology.Tests.Records;

/// <summary>
/// Random instances of every record type in which every field has a distinct value, so a codec that swapped two
/// fields of the same type would be caught. <c>full: false</c> leaves every optional field null.
/// </summary>
internal static class Samples
{
    public static ClickEvent ClickEvent(Random r, bool full = true) => new()
    {
        EventId = Text(r, "evt"),
        UserId = Text(r, "user"),
        SessionId = Text(r, "session"),
        Type = (EventType)r.Next(14),
        Timestamp = Time(r),
        ItemId = full ? Text(r, "item") : null,
        Category = full ? Text(r, "category") : null,
        Price = full ? Math.Round(r.NextDouble() * 500, 2) : null,
        Quantity = full ? r.Next(1, 10) : null,
        Channel = full ? (Channel)r.Next(4) : null,
        DeviceId = full ? Text(r, "device") : null,
        IpHash = full ? Text(r, "ip") : null,
        Country = full ? "Ü" + (char)('A' + r.Next(26)) : null,
    };

    public static Decision Decision(Random r, bool full = true)
    {
        var actions = Enumerable.Range(0, r.Next(1, 5)).Select(i => Text(r, "action")).ToArray();
        return new()
        {
            EventId = Text(r, "decision"),
            UserId = Text(r, "user"),
            Timestamp = Time(r),
            Context = Enumerable.Range(0, r.Next(0, 4)).ToDictionary(i => Text(r, "feature"), _ => r.NextDouble()),
            Actions = actions,
            ChosenAction = actions[0],
            Probability = r.NextDouble(),
            Probabilities = actions.Select(_ => r.NextDouble()).ToArray(),
            ModelId = Text(r, "policy"),
            RewardWaitMs = full ? r.Next(1_000, 60_000) : null,
        };
    }

    public static Reward Reward(Random r) => new()
    {
        EventId = Text(r, "decision"),
        UserId = Text(r, "user"),
        Value = r.Next(0, 4),
        Timestamp = Time(r),
    };

    public static TrainingRecord TrainingRecord(Random r)
    {
        var decision = Decision(r);
        return new()
        {
            DecisionId = decision.EventId,
            UserId = decision.UserId,
            DecisionTimestamp = decision.Timestamp,
            Context = decision.Context,
            Actions = decision.Actions,
            ChosenAction = decision.ChosenAction,
            Probability = decision.Probability,
            Probabilities = decision.Probabilities,
            ModelId = decision.ModelId,
            Reward = r.Next(0, 4),
            RewardSource = (RewardSource)r.Next(4),
            Observations = r.Next(0, 5),
            WindowEnd = Time(r),
            JoinedAt = Time(r),
        };
    }

    public static PolicyEvaluation PolicyEvaluation(Random r)
    {
        var start = Time(r);
        var estimate = r.NextDouble() * 3;
        return new()
        {
            PolicyId = $"policy-{r.Next(5)}",
            LoggedPolicy = $"logged-{r.Next(3)}",
            WindowStart = start,
            WindowEnd = start.AddHours(1),
            Records = r.Next(0, 100_000),
            Estimator = (Estimator)r.Next(3),
            Estimate = estimate,
            CiLower = estimate - r.NextDouble(),
            CiUpper = estimate + r.NextDouble(),
            EffectiveSampleSize = r.NextDouble() * 1_000,
            EvaluatedAt = Time(r),
        };
    }

    public static UserFeatures UserFeatures(Random r, bool full = true) => new()
    {
        UserId = Text(r, "user"),
        AsOf = Time(r),
        Last1m = Counts(r),
        Last5m = Counts(r),
        Last1h = Counts(r),
        Last24h = Counts(r),
        Session = new SessionFeatures
        {
            SessionId = full ? Text(r, "session") : null,
            Events = r.Next(1000),
            DistinctItems = r.Next(1000),
            AgeSeconds = r.NextDouble() * 1000,
            CartValue = r.NextDouble() * 1000,
            CheckoutStarted = r.Next(2) == 1,
            ProductViews = r.Next(1000),
            AddToCarts = r.Next(1000),
        },
        SecondsSincePreviousEvent = full ? r.NextDouble() * 100 : null,
        SecondsSinceLastPurchase = full ? r.NextDouble() * 1e5 : null,
        DistinctItems1h = r.Next(1000),
        DistinctCategories1h = r.Next(1000),
        Fraud = new FraudSignals
        {
            PaymentFailures10m = r.Next(1000),
            DistinctDevices24h = r.Next(1000),
            DistinctIps24h = r.Next(1000),
            DistinctCountries24h = r.Next(1000),
            AddressChanges24h = r.Next(1000),
            OrderValue1h = r.NextDouble() * 1000,
            OrderValueRatio = r.NextDouble() * 10,
            AccountAgeSeconds = r.NextDouble() * 1e7,
        },
        LatestItemMinutes24h = r.Next(1440),
        LatestCategoryMinutes1h = r.Next(60),
    };

    public static Score Score(Random r, bool full = true) => new()
    {
        UserId = Text(r, "user"),
        Model = Text(r, "model"),
        ModelVersion = Text(r, "v"),
        Value = r.NextDouble(),
        AsOf = Time(r),
        TriggerEventId = full ? Text(r, "evt") : null,
        ScoredAt = Time(r),
        Heuristic = r.Next(2) == 1,
    };

    public static AttributeUpdate AttributeUpdate(Random r, bool full = true) => new()
    {
        UserId = Text(r, "user"),
        Timestamp = Time(r),
        Changes = Enumerable.Range(0, r.Next(0, 4)).Select(_ => new AttributeChange(Text(r, "name"), full ? Text(r, "old") : null, Text(r, "new"))).ToArray(),
        Attributes = new UserAttributes
        {
            PropensityScore = full ? r.NextDouble() : null,
            PropensityDecile = full ? r.Next(1, 11) : null,
            FraudScore = full ? r.NextDouble() : null,
            FraudRisk = full ? (RiskLevel)r.Next(3) : null,
            Segment = full ? (Segment)r.Next(4) : null,
            LastActive = full ? Time(r) : null,
            PropensityModelVersion = full ? Text(r, "v") : null,
            FraudModelVersion = full ? Text(r, "v") : null,
        },
    };

    public static ItemUpdate ItemUpdate(Random r, bool full = true) => new()
    {
        ItemId = Text(r, "item"),
        Name = Text(r, "name"),
        Category = full ? Text(r, "category") : null,
        Price = Math.Round(r.NextDouble() * 500, 2),
        Currency = "EUR",
        InStock = r.Next(2) == 1,
        UpdatedAt = Time(r),
    };

    public static Trigger Trigger(Random r, bool full = true) => new()
    {
        TriggerId = Text(r, "trigger"),
        UserId = Text(r, "user"),
        Kind = (TriggerKind)r.Next(3),
        Items = Enumerable.Range(0, r.Next(1, 4))
            .Select(_ => new TriggerItem(Text(r, "item"), full ? Text(r, "name") : null, full ? Text(r, "category") : null, full ? r.NextDouble() * 100 : null, r.Next(1, 5)))
            .ToArray(),
        OldPrice = full ? r.NextDouble() * 100 : null,
        NewPrice = full ? r.NextDouble() * 100 : null,
        Currency = full ? "EUR" : null,
        CartValue = full ? r.NextDouble() * 1000 : null,
        InterestAt = Time(r),
        Cause = Text(r, "cause"),
        CauseTime = Time(r),
        CreatedAt = Time(r),
    };

    private static ActivityCounts Counts(Random r) => new()
    {
        Events = r.Next(100_000),
        PageViews = r.Next(100_000),
        ProductViews = r.Next(100_000),
        Searches = r.Next(100_000),
        AddToCart = r.Next(100_000),
        Purchases = r.Next(100_000),
        PaymentAttempts = r.Next(100_000),
        PaymentFailures = r.Next(100_000),
        EmailClicks = r.Next(100_000),
        AdClicks = r.Next(100_000),
        PurchaseValue = r.NextDouble() * 1e4,
    };

    private static string Text(Random r, string prefix) => $"{prefix}-{r.Next():x}";

    private static DateTimeOffset Time(Random r) => DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000 + r.NextInt64(0, 100_000_000_000));
}
