using Confluent.Kafka;
using Streams.Avro;
using Streams.Engine.Serialization;

namespace Personalization.Topology.Triggers;

/// <summary>
/// The items a user showed interest in, with when and how that was last passed on to each item's index: bounded, so
/// forgetting the user can withdraw them from every item, and a bot cannot grow the item indexes without limit.
/// </summary>
public sealed class UserItems
{
    /// <summary>Oldest first by <see cref="Entry.LastSent"/>.</summary>
    public List<Entry> Items { get; } = [];

    public int IndexOf(string item)
    {
        for (var i = 0; i < Items.Count; i++)
        {
            if (string.Equals(Items[i].Item, item, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>One item: when the user's interest in it was last passed on, and as what.</summary>
    public readonly record struct Entry(string Item, long LastSent, InterestKind Kind);

    internal sealed class Serde : ISerde<UserItems>
    {
        private const byte Version = 1;

        public byte[] Serialize(UserItems data, SerializationContext context)
        {
            if (data is null)
            {
                return null!;
            }

            var writer = new AvroWriter(16 + data.Items.Count * 24);
            writer.WriteRawByte(Version);
            writer.WriteBlockStart(data.Items.Count);
            foreach (var entry in data.Items)
            {
                writer.WriteString(entry.Item);
                writer.WriteLong(entry.LastSent);
                writer.WriteEnum(entry.Kind);
            }

            writer.WriteBlocksEnd();
            return writer.ToArray();
        }

        public UserItems Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return null!;
            }

            StoreFormat.Open(data, Version, Version, "user items", out var body);
            var reader = new AvroReader(body);
            var items = new UserItems();
            for (var count = reader.ReadBlockCount(); count > 0; count = reader.ReadBlockCount())
            {
                for (var i = 0; i < count; i++)
                {
                    items.Items.Add(new Entry(reader.ReadString(), reader.ReadLong(), reader.ReadEnum<InterestKind>()));
                }
            }

            return items;
        }
    }
}
