using Confluent.Kafka;
using Personalization.Topology.Records;
using Streams.Avro;
using Streams.Engine.Serialization;

namespace Personalization.Topology.Triggers;

/// <summary>The triggers recently written for a user, for the frequency cap and de-duplication.</summary>
public sealed class SentTriggers
{
    public List<Entry> Sent { get; } = [];

    /// <summary>One written trigger: its kind, what it was about (item ids), and its cause time.</summary>
    public readonly record struct Entry(TriggerKind Kind, string Subject, long At);

    internal sealed class Serde : ISerde<SentTriggers>
    {
        private const byte Version = 1;

        public byte[] Serialize(SentTriggers data, SerializationContext context)
        {
            if (data is null)
            {
                return null!;
            }

            var writer = new AvroWriter(16 + data.Sent.Count * 32);
            writer.WriteRawByte(Version);
            writer.WriteBlockStart(data.Sent.Count);
            foreach (var entry in data.Sent)
            {
                writer.WriteEnum(entry.Kind);
                writer.WriteString(entry.Subject);
                writer.WriteLong(entry.At);
            }

            writer.WriteBlocksEnd();
            return writer.ToArray();
        }

        public SentTriggers Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return null!;
            }

            StoreFormat.Open(data, Version, Version, "sent triggers", out var body);
            var reader = new AvroReader(body);
            var sent = new SentTriggers();
            for (var count = reader.ReadBlockCount(); count > 0; count = reader.ReadBlockCount())
            {
                for (var i = 0; i < count; i++)
                {
                    sent.Sent.Add(new Entry(reader.ReadEnum<TriggerKind>(), reader.ReadString(), reader.ReadLong()));
                }
            }

            return sent;
        }
    }
}
