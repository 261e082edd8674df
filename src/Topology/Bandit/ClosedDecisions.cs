using Confluent.Kafka;
using Streams.Avro;
using Streams.Engine.Serialization;

namespace Personalization.Topology.Bandit;

/// <summary>The ids of one user's closed decisions that have the same decision time (millisecond).</summary>
public sealed class ClosedDecisions
{
    public List<string> DecisionIds { get; } = [];

    /// <summary>An Avro array of strings.</summary>
    internal sealed class Serde : ISerde<ClosedDecisions>
    {
        public byte[] Serialize(ClosedDecisions data, SerializationContext context)
        {
            if (data is null)
            {
                return null!;
            }

            var writer = new AvroWriter(32);
            writer.WriteStringArray(data.DecisionIds);
            return writer.ToArray();
        }

        public ClosedDecisions Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return null!;
            }

            var reader = new AvroReader(data);
            var closed = new ClosedDecisions();
            closed.DecisionIds.AddRange(reader.ReadStringArray());
            return closed;
        }
    }
}
