using Avro;
using Streams.Avro;

namespace Personalization.Topology.Records;

/// <summary>One raw clickstream event (schemas/ClickEvent.avsc).</summary>
public sealed record ClickEvent : IAvroRecord<ClickEvent>
{
    private static readonly RecordSchema AvroSchema = RecordSchemas.Load(nameof(ClickEvent));

    public static RecordSchema Schema => AvroSchema;

    public required string EventId { get; init; }

    public required string UserId { get; init; }

    public required string SessionId { get; init; }

    public required EventType Type { get; init; }

    public required DateTimeOffset Timestamp { get; init; }

    public string? ItemId { get; init; }

    public string? Category { get; init; }

    public double? Price { get; init; }

    public int? Quantity { get; init; }

    public Channel? Channel { get; init; }

    public string? DeviceId { get; init; }

    public string? IpHash { get; init; }

    public string? Country { get; init; }

    public void WriteTo(AvroWriter writer)
    {
        writer.WriteString(EventId);
        writer.WriteString(UserId);
        writer.WriteString(SessionId);
        writer.WriteEnum(Type);
        writer.WriteTimestampMillis(Timestamp);
        writer.WriteOptionalString(ItemId);
        writer.WriteOptionalString(Category);
        writer.WriteOptionalDouble(Price);
        writer.WriteOptionalInt(Quantity);
        writer.WriteOptionalEnum(Channel);
        writer.WriteOptionalString(DeviceId);
        writer.WriteOptionalString(IpHash);
        writer.WriteOptionalString(Country);
    }

    public static ClickEvent ReadFrom(ref AvroReader reader) => new()
    {
        EventId = reader.ReadString(),
        UserId = reader.ReadString(),
        SessionId = reader.ReadString(),
        Type = reader.ReadEnum<EventType>(),
        Timestamp = reader.ReadTimestampMillis(),
        ItemId = reader.ReadOptionalString(),
        Category = reader.ReadOptionalString(),
        Price = reader.ReadOptionalDouble(),
        Quantity = reader.ReadOptionalInt(),
        Channel = reader.ReadOptionalEnum<Channel>(),
        DeviceId = reader.ReadOptionalString(),
        IpHash = reader.ReadOptionalString(),
        Country = reader.ReadOptionalString(),
    };
}
