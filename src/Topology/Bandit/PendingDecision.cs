using Confluent.Kafka;
using Personalization.Topology.Records;
using Streams.Avro;
using Streams.Engine.Serialization;

namespace Personalization.Topology.Bandit;

/// <summary>One reward observed for a decision.</summary>
public readonly record struct RewardObservation(double Value, bool Explicit, long Timestamp);

/// <summary>The trace contexts (W3C <c>traceparent</c>) of the records behind a training record, kept while tracing is on.</summary>
internal static class TraceContextCodec
{
    public static void Write(AvroWriter writer, string? decision, List<string> rewards)
    {
        writer.WriteOptionalString(decision);
        writer.WriteBlockStart(rewards.Count);
        foreach (var reward in rewards)
        {
            writer.WriteString(reward);
        }

        writer.WriteBlocksEnd();
    }

    public static string? Read(ref AvroReader reader, List<string> rewards)
    {
        var decision = reader.ReadOptionalString();
        for (var count = reader.ReadBlockCount(); count > 0; count = reader.ReadBlockCount())
        {
            for (var i = 0; i < count; i++)
            {
                rewards.Add(reader.ReadString());
            }
        }

        return decision;
    }
}

/// <summary>A decision waiting for its reward window to close, with what has been observed so far.</summary>
public sealed class PendingDecision
{
    public required Decision Decision { get; init; }

    /// <summary>Event time at which the reward window ends: the decision time plus its reward wait.</summary>
    public required long WindowEnd { get; init; }

    /// <summary>Wall-clock time the decision arrived, from which its wait runs when no later events move stream time.</summary>
    public required long ArrivedAt { get; init; }

    public List<RewardObservation> Observations { get; } = [];

    /// <summary>The decision's trace context, when tracing was on as it arrived.</summary>
    public string? DecisionTrace { get; set; }

    /// <summary>The trace contexts of the explicit rewards joined so far.</summary>
    public List<string> RewardTraces { get; } = [];

    /// <summary>
    /// The store format: a version byte, the decision's Avro encoding, the window end and the observations; version 2
    /// adds the trace contexts (version 1 is still read).
    /// </summary>
    internal sealed class Serde : ISerde<PendingDecision>
    {
        private const byte Version = 2;

        public byte[] Serialize(PendingDecision data, SerializationContext context)
        {
            if (data is null)
            {
                return null!;
            }

            var writer = new AvroWriter();
            writer.WriteRawByte(Version);
            data.Decision.WriteTo(writer);
            writer.WriteLong(data.WindowEnd);
            writer.WriteLong(data.ArrivedAt);
            ObservationCodec.Write(writer, data.Observations);
            TraceContextCodec.Write(writer, data.DecisionTrace, data.RewardTraces);
            return writer.ToArray();
        }

        public PendingDecision Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return null!;
            }

            var version = StoreFormat.Open(data, 1, Version, "pending decision", out var body);
            var reader = new AvroReader(body);
            var pending = new PendingDecision { Decision = Decision.ReadFrom(ref reader), WindowEnd = reader.ReadLong(), ArrivedAt = reader.ReadLong() };
            ObservationCodec.Read(ref reader, pending.Observations);
            if (version >= 2)
            {
                pending.DecisionTrace = TraceContextCodec.Read(ref reader, pending.RewardTraces);
            }

            return pending;
        }
    }
}

/// <summary>Rewards that arrived before their decision, and when the first of them arrived (wall clock).</summary>
public sealed class EarlyRewards
{
    public required long FirstSeen { get; init; }

    public List<RewardObservation> Observations { get; } = [];

    /// <summary>The rewards' trace contexts, when tracing was on as they arrived.</summary>
    public List<string> Traces { get; } = [];

    /// <summary>
    /// The first-seen time and the observations, then the trace contexts, which an older release (that stops reading
    /// after the observations) ignores and which this one finds absent in what an older release wrote.
    /// </summary>
    internal sealed class Serde : ISerde<EarlyRewards>
    {
        public byte[] Serialize(EarlyRewards data, SerializationContext context)
        {
            if (data is null)
            {
                return null!;
            }

            var writer = new AvroWriter(64);
            writer.WriteLong(data.FirstSeen);
            ObservationCodec.Write(writer, data.Observations);
            if (data.Traces.Count > 0)
            {
                TraceContextCodec.Write(writer, decision: null, data.Traces);
            }

            return writer.ToArray();
        }

        public EarlyRewards Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return null!;
            }

            var reader = new AvroReader(data);
            var early = new EarlyRewards { FirstSeen = reader.ReadLong() };
            ObservationCodec.Read(ref reader, early.Observations);
            if (reader.Remaining > 0)
            {
                TraceContextCodec.Read(ref reader, early.Traces);
            }

            return early;
        }
    }
}

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

internal static class ObservationCodec
{
    public static void Write(AvroWriter writer, List<RewardObservation> observations)
    {
        writer.WriteBlockStart(observations.Count);
        foreach (var observation in observations)
        {
            writer.WriteDouble(observation.Value);
            writer.WriteBoolean(observation.Explicit);
            writer.WriteLong(observation.Timestamp);
        }

        writer.WriteBlocksEnd();
    }

    public static void Read(ref AvroReader reader, List<RewardObservation> observations)
    {
        for (var count = reader.ReadBlockCount(); count > 0; count = reader.ReadBlockCount())
        {
            for (var i = 0; i < count; i++)
            {
                observations.Add(new RewardObservation(reader.ReadDouble(), reader.ReadBoolean(), reader.ReadLong()));
            }
        }
    }
}
