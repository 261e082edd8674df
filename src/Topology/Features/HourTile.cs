using Confluent.Kafka;
using Personalization.Topology.Records;
using Streams.Avro;
using Streams.Engine.Serialization;

namespace Personalization.Topology.Features;

/// <summary>
/// One user's activity in one hour, rolled up from that hour's minute tiles: what the 24-hour horizon and the
/// order-value baseline need of a whole hour, so a feature read covers the hours of a day in 24 tiles rather than
/// 1,440. It holds exactly the sums and unions of its minute tiles (and, per item, in how many of them the item
/// appears), so features read from it equal features read minute by minute.
/// </summary>
public sealed class HourTile
{
    /// <summary>Tiles are one hour, aligned to the epoch.</summary>
    public const long SizeMs = 3_600_000;

    private static readonly int EventTypeCount = AvroEnum<EventType>.Count;

    public int[] Counts { get; } = new int[EventTypeCount];

    public double PurchaseValue { get; set; }

    /// <summary>Each item seen in the hour, and in how many of its minutes.</summary>
    public Dictionary<string, int> ItemMinutes { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Devices { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Ips { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Countries { get; } = new(StringComparer.Ordinal);

    public static long StartOf(long timestampMs) => FeatureTile.AlignDown(timestampMs, SizeMs);

    /// <summary>Adds one minute tile of the hour.</summary>
    public void Add(FeatureTile minute)
    {
        for (var i = 0; i < Counts.Length; i++)
        {
            Counts[i] += minute.Counts[i];
        }

        PurchaseValue += minute.PurchaseValue;
        foreach (var item in minute.Items)
        {
            ItemMinutes[item] = ItemMinutes.GetValueOrDefault(item) + 1;
        }

        minute.Devices.AddTo(Devices);
        minute.Ips.AddTo(Ips);
        minute.Countries.AddTo(Countries);
    }

    /// <summary>The store format: a version byte, then Avro-encoded fields.</summary>
    internal sealed class Serde : ISerde<HourTile>
    {
        private const byte Version = 1;

        [ThreadStatic]
        private static AvroWriter? t_writer;

        public byte[] Serialize(HourTile data, SerializationContext context)
        {
            var writer = t_writer ??= new AvroWriter();
            writer.Reset();
            writer.WriteRawByte(Version);
            FeatureTile.Serde.WriteActivity(writer, data.Counts, data.PurchaseValue);
            writer.WriteBlockStart(data.ItemMinutes.Count);
            foreach (var (item, minutes) in data.ItemMinutes)
            {
                writer.WriteString(item);
                writer.WriteInt(minutes);
            }

            writer.WriteBlocksEnd();
            FeatureTile.Serde.WriteSet(writer, data.Devices);
            FeatureTile.Serde.WriteSet(writer, data.Ips);
            FeatureTile.Serde.WriteSet(writer, data.Countries);
            return writer.ToArray();
        }

        public HourTile Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return null!;
            }

            StoreFormat.Open(data, Version, Version, "hour tile", out var body);
            var reader = new AvroReader(body);
            var tile = new HourTile();
            tile.PurchaseValue = FeatureTile.Serde.ReadActivity(ref reader, tile.Counts);
            for (var count = reader.ReadBlockCount(); count > 0; count = reader.ReadBlockCount())
            {
                for (var i = 0; i < count; i++)
                {
                    var item = reader.ReadString();
                    tile.ItemMinutes[item] = reader.ReadInt();
                }
            }

            FeatureTile.Serde.ReadSet(ref reader, tile.Devices);
            FeatureTile.Serde.ReadSet(ref reader, tile.Ips);
            FeatureTile.Serde.ReadSet(ref reader, tile.Countries);
            return tile;
        }
    }
}
