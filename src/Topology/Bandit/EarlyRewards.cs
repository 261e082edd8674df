using Confluent.Kafka;
using Streams.Avro;
using Streams.Engine.Serialization;

namespace Personalization.Topology.Bandit;

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
