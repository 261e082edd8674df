using Streams.Avro;

namespace Personalization.Topology.Records;

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
