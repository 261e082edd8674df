using Confluent.Kafka;
using Streams.Avro;
using Streams.Engine.Serialization;

namespace Personalization.Topology.Triggers;

/// <summary>
/// An item as its trigger evaluation last saw it: how many users its interest index holds, and its price and stock at
/// the last catalog change (what the next change is compared with).
/// </summary>
public sealed record ItemWatch(int Users, double? Price, bool? InStock)
{
    internal sealed class Serde : ISerde<ItemWatch>
    {
        private const byte Version = 1;

        public byte[] Serialize(ItemWatch data, SerializationContext context)
        {
            if (data is null)
            {
                return null!;
            }

            var writer = new AvroWriter(24);
            writer.WriteRawByte(Version);
            writer.WriteInt(data.Users);
            writer.WriteOptionalDouble(data.Price);
            writer.WriteBoolean(data.InStock is not null);
            writer.WriteBoolean(data.InStock ?? false);
            return writer.ToArray();
        }

        public ItemWatch Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return null!;
            }

            StoreFormat.Open(data, Version, Version, "item watch", out var body);
            var reader = new AvroReader(body);
            var users = reader.ReadInt();
            var price = reader.ReadOptionalDouble();
            var known = reader.ReadBoolean();
            var inStock = reader.ReadBoolean();
            return new ItemWatch(users, price, known ? inStock : null);
        }
    }
}
