using Streams.Engine.Serialization;

namespace Streams.Avro;

/// <summary>
/// Bytes that are not a readable Avro record in the Confluent wire format. It is a <see cref="SerializationException"/>,
/// so the runtime applies its deserialization policy (dead-letter by default) and the message lands in the
/// dead letter's error headers.
/// </summary>
public sealed class AvroDeserializationException(AvroErrorReason reason, string message, Exception? innerException = null)
    : SerializationException(message, innerException)
{
    /// <summary>What kind of problem the bytes have.</summary>
    public AvroErrorReason Reason { get; } = reason;
}
