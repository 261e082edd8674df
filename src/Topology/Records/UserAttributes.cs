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

    /// <summary>The model version whose score set <see cref="PropensityScore"/>.</summary>
    public string? PropensityModelVersion { get; init; }

    /// <summary>The model version whose score set <see cref="FraudScore"/>.</summary>
    public string? FraudModelVersion { get; init; }

    public void WriteTo(AvroWriter writer)
    {
        writer.WriteOptionalDouble(PropensityScore);
        writer.WriteOptionalInt(PropensityDecile);
        writer.WriteOptionalDouble(FraudScore);
        writer.WriteOptionalEnum(FraudRisk);
        writer.WriteOptionalEnum(Segment);
        writer.WriteOptionalTimestampMillis(LastActive);
        writer.WriteOptionalString(PropensityModelVersion);
        writer.WriteOptionalString(FraudModelVersion);
    }

    public static UserAttributes ReadFrom(ref AvroReader reader) => ReadFrom(ref reader, withModelVersions: true);

    /// <param name="withModelVersions">False for data written before the model versions were added (the attribute store's format 1).</param>
    internal static UserAttributes ReadFrom(ref AvroReader reader, bool withModelVersions) => new()
    {
        PropensityScore = reader.ReadOptionalDouble(),
        PropensityDecile = reader.ReadOptionalInt(),
        FraudScore = reader.ReadOptionalDouble(),
        FraudRisk = reader.ReadOptionalEnum<RiskLevel>(),
        Segment = reader.ReadOptionalEnum<Segment>(),
        LastActive = reader.ReadOptionalTimestampMillis(),
        PropensityModelVersion = withModelVersions ? reader.ReadOptionalString() : null,
        FraudModelVersion = withModelVersions ? reader.ReadOptionalString() : null,
    };
}
