using Avro;
using Streams.Avro;

namespace Personalization.Topology.Records;

/// <summary>A change to a user's attributes (schemas/AttributeUpdate.avsc); a forgotten user is a null value instead.</summary>
public sealed record AttributeUpdate : IAvroRecord<AttributeUpdate>
{
    private static readonly RecordSchema AvroSchema = RecordSchemas.Load(nameof(AttributeUpdate));

    public static RecordSchema Schema => AvroSchema;

    public required string UserId { get; init; }

    public required DateTimeOffset Timestamp { get; init; }

    public required IReadOnlyList<AttributeChange> Changes { get; init; }

    public required UserAttributes Attributes { get; init; }

    public void WriteTo(AvroWriter writer)
    {
        writer.WriteString(UserId);
        writer.WriteTimestampMillis(Timestamp);
        writer.WriteBlockStart(Changes.Count);
        for (var i = 0; i < Changes.Count; i++)
        {
            Changes[i].WriteTo(writer);
        }

        writer.WriteBlocksEnd();
        Attributes.WriteTo(writer);
    }

    public static AttributeUpdate ReadFrom(ref AvroReader reader)
    {
        var userId = reader.ReadString();
        var timestamp = reader.ReadTimestampMillis();
        var changes = new List<AttributeChange>();
        for (var count = reader.ReadBlockCount(); count > 0; count = reader.ReadBlockCount())
        {
            for (var i = 0; i < count; i++)
            {
                changes.Add(AttributeChange.ReadFrom(ref reader));
            }
        }

        return new AttributeUpdate
        {
            UserId = userId,
            Timestamp = timestamp,
            Changes = changes,
            Attributes = UserAttributes.ReadFrom(ref reader),
        };
    }
}

/// <summary>One attribute's change, values as text.</summary>
public sealed record AttributeChange(string Name, string? OldValue, string? NewValue)
{
    public void WriteTo(AvroWriter writer)
    {
        writer.WriteString(Name);
        writer.WriteOptionalString(OldValue);
        writer.WriteOptionalString(NewValue);
    }

    public static AttributeChange ReadFrom(ref AvroReader reader) =>
        new(reader.ReadString(), reader.ReadOptionalString(), reader.ReadOptionalString());
}

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

/// <summary>Fraud risk levels, in the schema's symbol order.</summary>
public enum RiskLevel
{
    Low,
    Medium,
    High,
}

/// <summary>Behavioural segments, in the schema's symbol order.</summary>
public enum Segment
{
    NewVisitor,
    Browser,
    CartAbandoner,
    Buyer,
}
