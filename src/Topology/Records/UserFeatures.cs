using Avro;
using Streams.Avro;

namespace Personalization.Topology.Records;

/// <summary>A user's current windowed features (schemas/UserFeatures.avsc).</summary>
public sealed record UserFeatures : IAvroRecord<UserFeatures>
{
    private static readonly RecordSchema AvroSchema = RecordSchemas.Load(nameof(UserFeatures));

    public static RecordSchema Schema => AvroSchema;

    public required string UserId { get; init; }

    public required DateTimeOffset AsOf { get; init; }

    public required ActivityCounts Last1m { get; init; }

    public required ActivityCounts Last5m { get; init; }

    public required ActivityCounts Last1h { get; init; }

    public required ActivityCounts Last24h { get; init; }

    public required SessionFeatures Session { get; init; }

    public double? SecondsSincePreviousEvent { get; init; }

    public double? SecondsSinceLastPurchase { get; init; }

    public required int DistinctItems1h { get; init; }

    public required int DistinctCategories1h { get; init; }

    public required FraudSignals Fraud { get; init; }

    public void WriteTo(AvroWriter writer)
    {
        writer.WriteString(UserId);
        writer.WriteTimestampMillis(AsOf);
        Last1m.WriteTo(writer);
        Last5m.WriteTo(writer);
        Last1h.WriteTo(writer);
        Last24h.WriteTo(writer);
        Session.WriteTo(writer);
        writer.WriteOptionalDouble(SecondsSincePreviousEvent);
        writer.WriteOptionalDouble(SecondsSinceLastPurchase);
        writer.WriteInt(DistinctItems1h);
        writer.WriteInt(DistinctCategories1h);
        Fraud.WriteTo(writer);
    }

    public static UserFeatures ReadFrom(ref AvroReader reader) => new()
    {
        UserId = reader.ReadString(),
        AsOf = reader.ReadTimestampMillis(),
        Last1m = ActivityCounts.ReadFrom(ref reader),
        Last5m = ActivityCounts.ReadFrom(ref reader),
        Last1h = ActivityCounts.ReadFrom(ref reader),
        Last24h = ActivityCounts.ReadFrom(ref reader),
        Session = SessionFeatures.ReadFrom(ref reader),
        SecondsSincePreviousEvent = reader.ReadOptionalDouble(),
        SecondsSinceLastPurchase = reader.ReadOptionalDouble(),
        DistinctItems1h = reader.ReadInt(),
        DistinctCategories1h = reader.ReadInt(),
        Fraud = FraudSignals.ReadFrom(ref reader),
    };
}

/// <summary>Event counts by type and purchase value over one horizon.</summary>
public sealed record ActivityCounts
{
    public int Events { get; init; }

    public int PageViews { get; init; }

    public int ProductViews { get; init; }

    public int Searches { get; init; }

    public int AddToCart { get; init; }

    public int Purchases { get; init; }

    public int PaymentAttempts { get; init; }

    public int PaymentFailures { get; init; }

    public int EmailClicks { get; init; }

    public int AdClicks { get; init; }

    public double PurchaseValue { get; init; }

    public void WriteTo(AvroWriter writer)
    {
        writer.WriteInt(Events);
        writer.WriteInt(PageViews);
        writer.WriteInt(ProductViews);
        writer.WriteInt(Searches);
        writer.WriteInt(AddToCart);
        writer.WriteInt(Purchases);
        writer.WriteInt(PaymentAttempts);
        writer.WriteInt(PaymentFailures);
        writer.WriteInt(EmailClicks);
        writer.WriteInt(AdClicks);
        writer.WriteDouble(PurchaseValue);
    }

    public static ActivityCounts ReadFrom(ref AvroReader reader) => new()
    {
        Events = reader.ReadInt(),
        PageViews = reader.ReadInt(),
        ProductViews = reader.ReadInt(),
        Searches = reader.ReadInt(),
        AddToCart = reader.ReadInt(),
        Purchases = reader.ReadInt(),
        PaymentAttempts = reader.ReadInt(),
        PaymentFailures = reader.ReadInt(),
        EmailClicks = reader.ReadInt(),
        AdClicks = reader.ReadInt(),
        PurchaseValue = reader.ReadDouble(),
    };
}

/// <summary>Features of the user's current session.</summary>
public sealed record SessionFeatures
{
    public string? SessionId { get; init; }

    public int Events { get; init; }

    public int DistinctItems { get; init; }

    public double AgeSeconds { get; init; }

    /// <summary>Value added to the cart, net of removals, never below 0.</summary>
    public double CartValue { get; init; }

    public bool CheckoutStarted { get; init; }

    public void WriteTo(AvroWriter writer)
    {
        writer.WriteOptionalString(SessionId);
        writer.WriteInt(Events);
        writer.WriteInt(DistinctItems);
        writer.WriteDouble(AgeSeconds);
        writer.WriteDouble(CartValue);
        writer.WriteBoolean(CheckoutStarted);
    }

    public static SessionFeatures ReadFrom(ref AvroReader reader) => new()
    {
        SessionId = reader.ReadOptionalString(),
        Events = reader.ReadInt(),
        DistinctItems = reader.ReadInt(),
        AgeSeconds = reader.ReadDouble(),
        CartValue = reader.ReadDouble(),
        CheckoutStarted = reader.ReadBoolean(),
    };
}

/// <summary>Fraud-related features of the user.</summary>
public sealed record FraudSignals
{
    public int PaymentFailures10m { get; init; }

    public int DistinctDevices24h { get; init; }

    public int DistinctIps24h { get; init; }

    public int DistinctCountries24h { get; init; }

    public int AddressChanges24h { get; init; }

    public double OrderValue1h { get; init; }

    /// <summary>The last hour's purchase value over the user's mean hourly purchase value in the 24 hours before; 0 without history.</summary>
    public double OrderValueRatio { get; init; }

    public double AccountAgeSeconds { get; init; }

    public void WriteTo(AvroWriter writer)
    {
        writer.WriteInt(PaymentFailures10m);
        writer.WriteInt(DistinctDevices24h);
        writer.WriteInt(DistinctIps24h);
        writer.WriteInt(DistinctCountries24h);
        writer.WriteInt(AddressChanges24h);
        writer.WriteDouble(OrderValue1h);
        writer.WriteDouble(OrderValueRatio);
        writer.WriteDouble(AccountAgeSeconds);
    }

    public static FraudSignals ReadFrom(ref AvroReader reader) => new()
    {
        PaymentFailures10m = reader.ReadInt(),
        DistinctDevices24h = reader.ReadInt(),
        DistinctIps24h = reader.ReadInt(),
        DistinctCountries24h = reader.ReadInt(),
        AddressChanges24h = reader.ReadInt(),
        OrderValue1h = reader.ReadDouble(),
        OrderValueRatio = reader.ReadDouble(),
        AccountAgeSeconds = reader.ReadDouble(),
    };
}
