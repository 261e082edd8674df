namespace Streams.Avro;

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
