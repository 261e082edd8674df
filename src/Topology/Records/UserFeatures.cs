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

    /// <summary>Minutes in the last 24 hours in which the user touched the item of their latest event that named one.</summary>
    public int LatestItemMinutes24h { get; init; }

    /// <summary>Minutes in the last hour in which the user touched the category of their latest event that named one.</summary>
    public int LatestCategoryMinutes1h { get; init; }

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
        writer.WriteInt(LatestItemMinutes24h);
        writer.WriteInt(LatestCategoryMinutes1h);
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
        LatestItemMinutes24h = reader.ReadInt(),
        LatestCategoryMinutes1h = reader.ReadInt(),
    };
}
