using Confluent.Kafka;
using Streams.Avro;
using Streams.Engine.Serialization;

namespace Personalization.Topology.Triggers;

/// <summary>
/// One user's interest in one item, in the item's index: when they last showed it, the price the catalog had then (if
/// it knew the item), and their latest purchase of the item, if any.
/// </summary>
public sealed record InterestEntry(long LastInterestAt, double? PriceSeen, long? PurchasedAt)
{
    /// <summary>The index key of <paramref name="user"/> under <paramref name="item"/>: an item's users sort together.</summary>
    public static string Key(string item, string user) => item + '\0' + user;

    /// <summary>The first and last possible keys of <paramref name="item"/>'s users (inclusive bounds of a range).</summary>
    public static (string From, string To) KeysOf(string item) => (item + '\0', item + '\u0001');

    public static string ItemOf(string key) => key[..key.IndexOf('\0', StringComparison.Ordinal)];

    public static string UserOf(string key) => key[(key.IndexOf('\0', StringComparison.Ordinal) + 1)..];

    internal sealed class Serde : ISerde<InterestEntry>
    {
        private const byte Version = 1;

        public byte[] Serialize(InterestEntry data, SerializationContext context)
        {
            if (data is null)
            {
                return null!;
            }

            var writer = new AvroWriter(32);
            writer.WriteRawByte(Version);
            writer.WriteLong(data.LastInterestAt);
            writer.WriteOptionalDouble(data.PriceSeen);
            writer.WriteOptionalLong(data.PurchasedAt);
            return writer.ToArray();
        }

        public InterestEntry Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return null!;
            }

            StoreFormat.Open(data, Version, Version, "interest entry", out var body);
            var reader = new AvroReader(body);
            return new InterestEntry(reader.ReadLong(), reader.ReadOptionalDouble(), reader.ReadOptionalLong());
        }
    }
}
