using System.Buffers.Binary;

namespace Streams.Avro;

/// <summary>
/// The Confluent wire format: magic byte 0, the schema id as 4 bytes big-endian, then the Avro binary body.
/// </summary>
public static class AvroWireFormat
{
    /// <summary>The first byte of every record.</summary>
    public const byte MagicByte = 0;

    /// <summary>Magic byte plus schema id.</summary>
    public const int HeaderLength = 5;

    /// <summary>Splits <paramref name="data"/> into its schema id and body, or explains why it is not in the wire format.</summary>
    public static int ReadHeader(ReadOnlySpan<byte> data, out ReadOnlySpan<byte> body)
    {
        if (data.Length == 0)
        {
            throw new AvroDeserializationException(AvroErrorReason.NotWireFormat, "The value is empty; the Confluent wire format needs a magic byte and a schema id.");
        }

        if (data[0] != MagicByte)
        {
            throw new AvroDeserializationException(AvroErrorReason.NotWireFormat,
                $"The first byte is 0x{data[0]:X2}, not the Confluent wire format's magic byte 0x00: this is not a schema-registry Avro record.");
        }

        if (data.Length < HeaderLength)
        {
            throw new AvroDeserializationException(AvroErrorReason.NotWireFormat,
                $"The value has {data.Length} bytes, fewer than the {HeaderLength} of the wire-format header.");
        }

        body = data[HeaderLength..];
        return BinaryPrimitives.ReadInt32BigEndian(data[1..]);
    }
}
