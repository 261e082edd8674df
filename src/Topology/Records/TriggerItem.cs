using Streams.Avro;

namespace Personalization.Topology.Records;

/// <summary>One item of a trigger: its catalog name and category where known, its price and the units concerned.</summary>
public sealed record TriggerItem(string ItemId, string? Name, string? Category, double? Price, int Quantity = 1)
{
    public void WriteTo(AvroWriter writer)
    {
        writer.WriteString(ItemId);
        writer.WriteOptionalString(Name);
        writer.WriteOptionalString(Category);
        writer.WriteOptionalDouble(Price);
        writer.WriteInt(Quantity);
    }

    public static TriggerItem ReadFrom(ref AvroReader reader) =>
        new(reader.ReadString(), reader.ReadOptionalString(), reader.ReadOptionalString(), reader.ReadOptionalDouble(), reader.ReadInt());
}
