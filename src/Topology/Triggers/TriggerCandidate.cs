using Confluent.Kafka;
using Personalization.Topology.Records;
using Streams.Avro;
using Streams.Engine.Serialization;

namespace Personalization.Topology.Triggers;

/// <summary>
/// What reaches the trigger policy, keyed by user: a trigger that a rule fired (not yet capped, de-duplicated or held),
/// or word that the user was forgotten.
/// </summary>
public sealed record TriggerCandidate(Trigger? Trigger)
{
    public static TriggerCandidate ForgetUser { get; } = new((Trigger?)null);

    public bool Forget => Trigger is null;

    /// <summary>The repartition topic's format: a version byte, then the trigger as its Avro record (internal: no schema registry).</summary>
    internal sealed class Serde : ISerde<TriggerCandidate>
    {
        private const byte Version = 1;

        public byte[] Serialize(TriggerCandidate data, SerializationContext context)
        {
            if (data is null)
            {
                return null!;
            }

            var writer = new AvroWriter(256);
            writer.WriteRawByte(Version);
            writer.WriteBoolean(data.Trigger is not null);
            data.Trigger?.WriteTo(writer);
            return writer.ToArray();
        }

        public TriggerCandidate Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return null!;
            }

            StoreFormat.Open(data, Version, Version, "trigger candidate", out var body);
            var reader = new AvroReader(body);
            return reader.ReadBoolean() ? new TriggerCandidate(Trigger.ReadFrom(ref reader)) : ForgetUser;
        }
    }
}
