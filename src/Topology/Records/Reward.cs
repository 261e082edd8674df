using Avro;
using Streams.Avro;

namespace Personalization.Topology.Records;

/// <summary>An explicit reward for a decision (schemas/Reward.avsc).</summary>
public sealed record Reward : IAvroRecord<Reward>
{
    private static readonly RecordSchema AvroSchema = RecordSchemas.Load(nameof(Reward));

    public static RecordSchema Schema => AvroSchema;

    /// <summary>The rewarded decision's event id.</summary>
    public required string EventId { get; init; }

    public required string UserId { get; init; }

    public required double Value { get; init; }

    public required DateTimeOffset Timestamp { get; init; }

    public void WriteTo(AvroWriter writer)
    {
        writer.WriteString(EventId);
        writer.WriteString(UserId);
        writer.WriteDouble(Value);
        writer.WriteTimestampMillis(Timestamp);
    }

    public static Reward ReadFrom(ref AvroReader reader) => new()
    {
        EventId = reader.ReadString(),
        UserId = reader.ReadString(),
        Value = reader.ReadDouble(),
        Timestamp = reader.ReadTimestampMillis(),
    };
}
