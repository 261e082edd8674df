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

/// <summary>Why a record could not be read.</summary>
public enum AvroErrorReason
{
    /// <summary>The first byte is not the wire format's magic byte 0, or the header is incomplete.</summary>
    NotWireFormat,

    /// <summary>The schema id in the header is not known to the schema registry.</summary>
    UnknownSchemaId,

    /// <summary>The writer's schema cannot be read with the reader's (a breaking change, or another record type).</summary>
    IncompatibleSchema,

    /// <summary>The Avro body ends early.</summary>
    Truncated,

    /// <summary>The Avro body is invalid for the writer's schema (bad union branch, enum ordinal, length, leftover bytes).</summary>
    Malformed,
}
