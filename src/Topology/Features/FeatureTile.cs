using Confluent.Kafka;
using Personalization.Topology.Records;
using Streams.Avro;
using Streams.Engine.Serialization;

namespace Personalization.Topology.Features;

/// <summary>
/// One user's activity in one minute: counts by event type, purchase value, and the distinct items, categories,
/// devices, IPs and countries seen. Horizons (1 min to 24 h) are sums and unions of tiles, so no event is stored.
/// </summary>
public sealed class FeatureTile
{
    /// <summary>Tiles are one minute, aligned to the epoch.</summary>
    public const long SizeMs = 60_000;

    /// <summary>
    /// Each set keeps at most this many distinct values per minute (the first ones seen). A person does not view 64
    /// products or switch between 64 devices in a minute; a bot can, and without a bound every one of its events would
    /// read and rewrite an ever larger tile. Its distinct counts saturate instead, still far above anyone else's.
    /// </summary>
    public const int MaxDistinctValues = 64;

    private static readonly int EventTypeCount = AvroEnum<EventType>.Count;

    public int[] Counts { get; } = new int[EventTypeCount];

    public double PurchaseValue { get; set; }

    public DistinctValues Items { get; } = new();

    public DistinctValues Categories { get; } = new();

    public DistinctValues Devices { get; } = new();

    public DistinctValues Ips { get; } = new();

    public DistinctValues Countries { get; } = new();

    public static long StartOf(long timestampMs) => AlignDown(timestampMs, SizeMs);

    /// <summary>The start of the <paramref name="sizeMs"/>-long span, aligned to the epoch, that holds the time (before the epoch too).</summary>
    internal static long AlignDown(long timestampMs, long sizeMs) => timestampMs - (((timestampMs % sizeMs) + sizeMs) % sizeMs);

    public void Add(ClickEvent e)
    {
        Counts[(int)e.Type]++;
        if (e.Type == EventType.Purchase)
        {
            PurchaseValue += LineValue(e);
        }

        AddIfPresent(Items, e.ItemId);
        AddIfPresent(Categories, e.Category);
        AddIfPresent(Devices, e.DeviceId);
        AddIfPresent(Ips, e.IpHash);
        AddIfPresent(Countries, e.Country);
    }

    /// <summary>Price times quantity; a missing price counts 0 and a missing quantity 1.</summary>
    public static double LineValue(ClickEvent e) => (e.Price ?? 0) * (e.Quantity ?? 1);

    private static void AddIfPresent(DistinctValues set, string? value)
    {
        if (value is not null)
        {
            set.Add(value);
        }
    }

    /// <summary>The store format: a version byte, then Avro-encoded fields.</summary>
    internal sealed class Serde : ISerde<FeatureTile>
    {
        private const byte Version = 1;

        [ThreadStatic]
        private static AvroWriter? t_writer;

        public byte[] Serialize(FeatureTile data, SerializationContext context)
        {
            var writer = t_writer ??= new AvroWriter();
            writer.Reset();
            writer.WriteRawByte(Version);
            WriteActivity(writer, data.Counts, data.PurchaseValue);
            WriteSet(writer, data.Items);
            WriteSet(writer, data.Categories);
            WriteSet(writer, data.Devices);
            WriteSet(writer, data.Ips);
            WriteSet(writer, data.Countries);
            return writer.ToArray();
        }

        public FeatureTile Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return null!;
            }

            StoreFormat.Open(data, Version, Version, "feature tile", out var body);
            var reader = new AvroReader(body);
            var tile = new FeatureTile();
            tile.PurchaseValue = ReadActivity(ref reader, tile.Counts);
            ReadSet(ref reader, tile.Items);
            ReadSet(ref reader, tile.Categories);
            ReadSet(ref reader, tile.Devices);
            ReadSet(ref reader, tile.Ips);
            ReadSet(ref reader, tile.Countries);
            return tile;
        }

        /// <summary>Counts by event type and purchase value, the part minute and hour tiles share.</summary>
        internal static void WriteActivity(AvroWriter writer, int[] counts, double purchaseValue)
        {
            foreach (var count in counts)
            {
                writer.WriteInt(count);
            }

            writer.WriteDouble(purchaseValue);
        }

        /// <summary>Reads what <see cref="WriteActivity"/> wrote into <paramref name="counts"/>; returns the purchase value.</summary>
        internal static double ReadActivity(ref AvroReader reader, int[] counts)
        {
            for (var i = 0; i < counts.Length; i++)
            {
                counts[i] = reader.ReadInt();
            }

            return reader.ReadDouble();
        }

        internal static void WriteSet(AvroWriter writer, DistinctValues set)
        {
            writer.WriteBlockStart(set.Count);
            foreach (var value in set)
            {
                writer.WriteString(value);
            }

            writer.WriteBlocksEnd();
        }

        internal static void WriteSet(AvroWriter writer, HashSet<string> set)
        {
            writer.WriteBlockStart(set.Count);
            foreach (var value in set)
            {
                writer.WriteString(value);
            }

            writer.WriteBlocksEnd();
        }

        internal static void ReadSet(ref AvroReader reader, DistinctValues set)
        {
            for (var count = reader.ReadBlockCount(); count > 0; count = reader.ReadBlockCount())
            {
                set.Reserve(count);
                for (var i = 0; i < count; i++)
                {
                    set.Add(reader.ReadString());
                }
            }
        }

        internal static void ReadSet(ref AvroReader reader, HashSet<string> set)
        {
            for (var count = reader.ReadBlockCount(); count > 0; count = reader.ReadBlockCount())
            {
                for (var i = 0; i < count; i++)
                {
                    set.Add(reader.ReadString());
                }
            }
        }
    }
}
