using Streams.Avro;

namespace Personalization.Topology.Records;

/// <summary>Everything downstream knows about a user; each attribute is null until first known.</summary>
public sealed record UserAttributes
{
    public double? PropensityScore { get; init; }

    public int? PropensityDecile { get; init; }

    public double? FraudScore { get; init; }

    public RiskLevel? FraudRisk { get; init; }

    public Segment? Segment { get; init; }

    public DateTimeOffset? LastActive { get; init; }

    public void WriteTo(AvroWriter writer)
    {
        writer.WriteOptionalDouble(PropensityScore);
        writer.WriteOptionalInt(PropensityDecile);
        writer.WriteOptionalDouble(FraudScore);
        writer.WriteOptionalEnum(FraudRisk);
        writer.WriteOptionalEnum(Segment);
        writer.WriteOptionalTimestampMillis(LastActive);
    }

    public static UserAttributes ReadFrom(ref AvroReader reader) => new()
    {
        PropensityScore = reader.ReadOptionalDouble(),
        PropensityDecile = reader.ReadOptionalInt(),
        FraudScore = reader.ReadOptionalDouble(),
        FraudRisk = reader.ReadOptionalEnum<RiskLevel>(),
        Segment = reader.ReadOptionalEnum<Segment>(),
        LastActive = reader.ReadOptionalTimestampMillis(),
    };
}
