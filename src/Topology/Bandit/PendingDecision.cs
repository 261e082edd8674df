using Confluent.Kafka;
using Personalization.Topology.Records;
using Streams.Avro;
using Streams.Engine.Serialization;

namespace Personalization.Topology.Bandit;

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
