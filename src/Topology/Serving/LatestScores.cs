using Confluent.Kafka;
using Personalization.Topology.Records;
using Streams.Avro;
using Streams.Engine.Serialization;

namespace Personalization.Topology.Serving;

/// <summary>A user's latest fraud and propensity scores, as last written to <c>scores.fraud</c> and <c>scores.propensity</c>.</summary>
public sealed record LatestScores(Score? Fraud, Score? Propensity)
{
    /// <summary>The store format: a version byte, then each score as an optional Avro record.</summary>
    internal sealed class Serde : ISerde<LatestScores>
    {
        private const byte Version = 1;

        public byte[] Serialize(LatestScores data, SerializationContext context)
        {
            if (data is null)
            {
                return null!;
            }

            var writer = new AvroWriter(256);
            writer.WriteRawByte(Version);
            WriteOptional(writer, data.Fraud);
            WriteOptional(writer, data.Propensity);
            return writer.ToArray();
        }

        public LatestScores Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return null!;
            }

            StoreFormat.Open(data, Version, Version, "latest scores", out var body);
            var reader = new AvroReader(body);
            var fraud = ReadOptional(ref reader);
            return new LatestScores(fraud, ReadOptional(ref reader));
        }

        private static void WriteOptional(AvroWriter writer, Score? score)
        {
            writer.WriteBoolean(score is not null);
            score?.WriteTo(writer);
        }

        private static Score? ReadOptional(ref AvroReader reader) => reader.ReadBoolean() ? Score.ReadFrom(ref reader) : null;
    }
}
