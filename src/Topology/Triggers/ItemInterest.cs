using Confluent.Kafka;
using Streams.Avro;
using Streams.Engine.Serialization;

namespace Personalization.Topology.Triggers;

/// <summary>
/// A user's interest in an item, re-keyed by item on the way to the item's interest index. <see cref="PriceSeen"/> is
/// the catalog's price of the item at that moment, filled in by the join with the catalog table.
/// </summary>
public sealed record ItemInterest(string UserId, InterestKind Kind, long At, double? PriceSeen = null)
{
    /// <summary>The repartition topic's format: a version byte, then Avro-encoded fields (no schema registry: internal).</summary>
    internal sealed class Serde : ISerde<ItemInterest>
    {
        private const byte Version = 1;

        public byte[] Serialize(ItemInterest data, SerializationContext context)
        {
            if (data is null)
            {
                return null!;
            }

            var writer = new AvroWriter(48);
            writer.WriteRawByte(Version);
            writer.WriteString(data.UserId);
            writer.WriteEnum(data.Kind);
            writer.WriteLong(data.At);
            writer.WriteOptionalDouble(data.PriceSeen);
            return writer.ToArray();
        }

        public ItemInterest Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return null!;
            }

            StoreFormat.Open(data, Version, Version, "item interest", out var body);
            var reader = new AvroReader(body);
            return new ItemInterest(reader.ReadString(), reader.ReadEnum<InterestKind>(), reader.ReadLong(), reader.ReadOptionalDouble());
        }
    }
}
