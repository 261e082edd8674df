using Avro;
using Streams.Avro;

namespace Personalization.Topology.Records;

/// <summary>The current state of one catalog item (schemas/ItemUpdate.avsc); a removed item is a null value instead.</summary>
public sealed record ItemUpdate : IAvroRecord<ItemUpdate>
{
    private static readonly RecordSchema AvroSchema = RecordSchemas.Load(nameof(ItemUpdate));

    public static RecordSchema Schema => AvroSchema;

    public required string ItemId { get; init; }

    public required string Name { get; init; }

    public string? Category { get; init; }

    public required double Price { get; init; }

    public required string Currency { get; init; }

    public required bool InStock { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public void WriteTo(AvroWriter writer)
    {
        writer.WriteString(ItemId);
        writer.WriteString(Name);
        writer.WriteOptionalString(Category);
        writer.WriteDouble(Price);
        writer.WriteString(Currency);
        writer.WriteBoolean(InStock);
        writer.WriteTimestampMillis(UpdatedAt);
    }

    public static ItemUpdate ReadFrom(ref AvroReader reader) => new()
    {
        ItemId = reader.ReadString(),
        Name = reader.ReadString(),
        Category = reader.ReadOptionalString(),
        Price = reader.ReadDouble(),
        Currency = reader.ReadString(),
        InStock = reader.ReadBoolean(),
        UpdatedAt = reader.ReadTimestampMillis(),
    };
}
