using Avro;
using Streams.Avro;

namespace Personalization.Topology.Records;

/// <summary>An outbound message-worthy moment for one user (schemas/Trigger.avsc).</summary>
public sealed record Trigger : IAvroRecord<Trigger>
{
    private static readonly RecordSchema AvroSchema = RecordSchemas.Load(nameof(Trigger));

    public static RecordSchema Schema => AvroSchema;

    public required string TriggerId { get; init; }

    public required string UserId { get; init; }

    public required TriggerKind Kind { get; init; }

    public required IReadOnlyList<TriggerItem> Items { get; init; }

    public double? OldPrice { get; init; }

    public double? NewPrice { get; init; }

    public string? Currency { get; init; }

    public double? CartValue { get; init; }

    public required DateTimeOffset InterestAt { get; init; }

    public required string Cause { get; init; }

    public required DateTimeOffset CauseTime { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The stable id of the trigger of <paramref name="kind"/> for <paramref name="userId"/> with <paramref name="cause"/>.</summary>
    public static string IdOf(TriggerKind kind, string userId, string cause) => $"{Symbols.Of(kind)}/{userId}/{cause}";

    public void WriteTo(AvroWriter writer)
    {
        writer.WriteString(TriggerId);
        writer.WriteString(UserId);
        writer.WriteEnum(Kind);
        writer.WriteBlockStart(Items.Count);
        for (var i = 0; i < Items.Count; i++)
        {
            Items[i].WriteTo(writer);
        }

        writer.WriteBlocksEnd();
        writer.WriteOptionalDouble(OldPrice);
        writer.WriteOptionalDouble(NewPrice);
        writer.WriteOptionalString(Currency);
        writer.WriteOptionalDouble(CartValue);
        writer.WriteTimestampMillis(InterestAt);
        writer.WriteString(Cause);
        writer.WriteTimestampMillis(CauseTime);
        writer.WriteTimestampMillis(CreatedAt);
    }

    public static Trigger ReadFrom(ref AvroReader reader)
    {
        var triggerId = reader.ReadString();
        var userId = reader.ReadString();
        var kind = reader.ReadEnum<TriggerKind>();
        var items = new List<TriggerItem>();
        for (var count = reader.ReadBlockCount(); count > 0; count = reader.ReadBlockCount())
        {
            for (var i = 0; i < count; i++)
            {
                items.Add(TriggerItem.ReadFrom(ref reader));
            }
        }

        return new Trigger
        {
            TriggerId = triggerId,
            UserId = userId,
            Kind = kind,
            Items = items,
            OldPrice = reader.ReadOptionalDouble(),
            NewPrice = reader.ReadOptionalDouble(),
            Currency = reader.ReadOptionalString(),
            CartValue = reader.ReadOptionalDouble(),
            InterestAt = reader.ReadTimestampMillis(),
            Cause = reader.ReadString(),
            CauseTime = reader.ReadTimestampMillis(),
            CreatedAt = reader.ReadTimestampMillis(),
        };
    }
}
