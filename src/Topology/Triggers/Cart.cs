using Confluent.Kafka;
using Streams.Avro;
using Streams.Engine.Serialization;

namespace Personalization.Topology.Triggers;

/// <summary>A user's open cart: its lines, and its last change (when it is abandoned counts from there).</summary>
public sealed class Cart
{
    public List<Line> Lines { get; } = [];

    /// <summary>Event time of the cart's last change.</summary>
    public long LastChangeAt { get; set; }

    /// <summary>The event that last changed the cart: the cause of its CART_ABANDONED trigger.</summary>
    public string LastEventId { get; set; } = "";

    public int IndexOf(string item)
    {
        for (var i = 0; i < Lines.Count; i++)
        {
            if (string.Equals(Lines[i].Item, item, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Units of one item at the price it was carted for (the latest addition's price).</summary>
    public readonly record struct Line(string Item, string? Category, double? Price, int Quantity);

    internal sealed class Serde : ISerde<Cart>
    {
        private const byte Version = 1;

        public byte[] Serialize(Cart data, SerializationContext context)
        {
            if (data is null)
            {
                return null!;
            }

            var writer = new AvroWriter(32 + data.Lines.Count * 40);
            writer.WriteRawByte(Version);
            writer.WriteLong(data.LastChangeAt);
            writer.WriteString(data.LastEventId);
            writer.WriteBlockStart(data.Lines.Count);
            foreach (var line in data.Lines)
            {
                writer.WriteString(line.Item);
                writer.WriteOptionalString(line.Category);
                writer.WriteOptionalDouble(line.Price);
                writer.WriteInt(line.Quantity);
            }

            writer.WriteBlocksEnd();
            return writer.ToArray();
        }

        public Cart Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return null!;
            }

            StoreFormat.Open(data, Version, Version, "cart", out var body);
            var reader = new AvroReader(body);
            var cart = new Cart { LastChangeAt = reader.ReadLong(), LastEventId = reader.ReadString() };
            for (var count = reader.ReadBlockCount(); count > 0; count = reader.ReadBlockCount())
            {
                for (var i = 0; i < count; i++)
                {
                    cart.Lines.Add(new Line(reader.ReadString(), reader.ReadOptionalString(), reader.ReadOptionalDouble(), reader.ReadInt()));
                }
            }

            return cart;
        }
    }
}
