using Avro;
using Streams.Avro;

namespace Personalization.Topology.Records;

/// <summary>A change to a user's attributes (schemas/AttributeUpdate.avsc); a forgotten user is a null value instead.</summary>
public sealed record AttributeUpdate : IAvroRecord<AttributeUpdate>
{
    private static readonly IReadOnlyDictionary<string, string> NoExperiments = new Dictionary<string, string>();

    private static readonly RecordSchema AvroSchema = RecordSchemas.Load(nameof(AttributeUpdate));

    public static RecordSchema Schema => AvroSchema;

    public required string UserId { get; init; }

    public required DateTimeOffset Timestamp { get; init; }

    public required IReadOnlyList<AttributeChange> Changes { get; init; }

    public required UserAttributes Attributes { get; init; }

    /// <summary>The user's arm in each running experiment (experiment name to arm); empty when none runs.</summary>
    public IReadOnlyDictionary<string, string> Experiments { get; init; } = NoExperiments;

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
        writer.WriteStringMap(Experiments);
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
            Experiments = reader.ReadStringMap(),
        };
    }
}
