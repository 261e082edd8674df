using Confluent.Kafka;
using Streams.Avro;
using Streams.Engine.Serialization;

namespace Personalization.Topology.Bandit;

/// <summary>A user's recent reward-bearing clicks (event time, reward, item), for decisions that arrive after them.</summary>
public sealed class RecentClicks
{
    /// <summary>
    /// At most this many clicks are kept, the latest by event time. A person does not make 64 reward-bearing clicks in
    /// the retention; a bot can, and without a bound each of its clicks would read and rewrite an ever longer list.
    /// </summary>
    public const int MaxClicks = 64;

    public List<(long Timestamp, double Reward, string? Item)> Clicks { get; } = [];

    /// <summary>The latest click's event time (<see cref="long.MinValue"/> when there is none).</summary>
    public long Latest
    {
        get
        {
            var latest = long.MinValue;
            foreach (var click in Clicks)
            {
                latest = Math.Max(latest, click.Timestamp);
            }

            return latest;
        }
    }

    /// <summary>Adds a click, then drops those older than <paramref name="retentionMs"/> before the latest and the oldest beyond <see cref="MaxClicks"/>.</summary>
    public void Add(long timestamp, double reward, string? item, long retentionMs)
    {
        Clicks.Add((timestamp, reward, item));
        var oldestKept = Latest - retentionMs;
        Clicks.RemoveAll(click => click.Timestamp < oldestKept);
        while (Clicks.Count > MaxClicks)
        {
            var oldest = 0;
            for (var i = 1; i < Clicks.Count; i++)
            {
                if (Clicks[i].Timestamp < Clicks[oldest].Timestamp)
                {
                    oldest = i;
                }
            }

            Clicks.RemoveAt(oldest);
        }
    }

    internal sealed class Serde : ISerde<RecentClicks>
    {
        public byte[] Serialize(RecentClicks data, SerializationContext context)
        {
            if (data is null)
            {
                return null!;
            }

            var writer = new AvroWriter(64);
            writer.WriteBlockStart(data.Clicks.Count);
            foreach (var (timestamp, reward, item) in data.Clicks)
            {
                writer.WriteLong(timestamp);
                writer.WriteDouble(reward);
                writer.WriteOptionalString(item);
            }

            writer.WriteBlocksEnd();
            return writer.ToArray();
        }

        public RecentClicks Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return null!;
            }

            var reader = new AvroReader(data);
            var recent = new RecentClicks();
            for (var count = reader.ReadBlockCount(); count > 0; count = reader.ReadBlockCount())
            {
                for (var i = 0; i < count; i++)
                {
                    recent.Clicks.Add((reader.ReadLong(), reader.ReadDouble(), reader.ReadOptionalString()));
                }
            }

            return recent;
        }
    }
}
