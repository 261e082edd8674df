using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Streams.Avro;

/// <summary>
/// Writes Avro binary encoding into a growable buffer that is reused from one record to the next, so a serializer
/// allocates only the payload it hands to the producer.
/// </summary>
/// <remarks>Not thread-safe; the serdes keep one per thread.</remarks>
public sealed class AvroWriter
{
    private byte[] _buffer;
    private int _length;

    /// <summary>Creates a writer with an initial capacity.</summary>
    public AvroWriter(int initialCapacity = 256) => _buffer = new byte[Math.Max(16, initialCapacity)];

    /// <summary>Bytes written so far.</summary>
    public int Length => _length;

    /// <summary>What has been written.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>Forgets what was written and keeps the buffer.</summary>
    public void Reset() => _length = 0;

    /// <summary>A copy of what has been written.</summary>
    public byte[] ToArray() => WrittenSpan.ToArray();

    /// <summary>Writes one raw byte (the wire-format magic byte, for instance).</summary>
    public void WriteRawByte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    /// <summary>Writes a 4-byte big-endian integer (the wire-format schema id).</summary>
    public void WriteInt32BigEndian(int value)
    {
        Ensure(4);
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_length), value);
        _length += 4;
    }

    public void WriteBoolean(bool value) => WriteRawByte(value ? (byte)1 : (byte)0);

    /// <summary>An Avro int: zig-zag, then variable-length.</summary>
    public void WriteInt(int value) => WriteLong(value);

    /// <summary>An Avro long: zig-zag, then variable-length, 7 bits per byte, low bits first.</summary>
    public void WriteLong(long value)
    {
        Ensure(10);
        var n = (ulong)((value << 1) ^ (value >> 63));
        while (n >= 0x80)
        {
            _buffer[_length++] = (byte)(n | 0x80);
            n >>= 7;
        }

        _buffer[_length++] = (byte)n;
    }

    /// <summary>An Avro double: 8 bytes little-endian IEEE 754.</summary>
    public void WriteDouble(double value)
    {
        Ensure(8);
        BinaryPrimitives.WriteDoubleLittleEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    /// <summary>An Avro string: its UTF-8 byte count as a long, then the bytes.</summary>
    public void WriteString(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        WriteLong(count);
        Ensure(count);
        _length += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
    }

    /// <summary>An enum symbol by its zero-based position in the schema.</summary>
    public void WriteEnum(int ordinal) => WriteInt(ordinal);

    /// <summary>An enum whose C# members are the schema's symbols in order (underlying type int).</summary>
    public void WriteEnum<TEnum>(TEnum value) where TEnum : struct, Enum => WriteEnum(Unsafe.As<TEnum, int>(ref value));

    /// <summary>The zero-based branch of a union that the following value takes.</summary>
    public void WriteUnionIndex(int branch) => WriteInt(branch);

    /// <summary>A timestamp-millis logical value: epoch milliseconds as a long.</summary>
    public void WriteTimestampMillis(DateTimeOffset value) => WriteLong(value.ToUnixTimeMilliseconds());

    /// <summary>
    /// Starts an array or map of <paramref name="count"/> items as one block; write the items, then
    /// <see cref="WriteBlocksEnd"/>. An empty array is just the end marker.
    /// </summary>
    public void WriteBlockStart(int count)
    {
        if (count > 0)
        {
            WriteLong(count);
        }
    }

    /// <summary>Ends an array or map: a block of zero items.</summary>
    public void WriteBlocksEnd() => WriteRawByte(0);

    /// <summary>An array of strings.</summary>
    public void WriteStringArray(IReadOnlyList<string> items)
    {
        WriteBlockStart(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            WriteString(items[i]);
        }

        WriteBlocksEnd();
    }

    /// <summary>An array of doubles.</summary>
    public void WriteDoubleArray(IReadOnlyList<double> items)
    {
        WriteBlockStart(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            WriteDouble(items[i]);
        }

        WriteBlocksEnd();
    }

    /// <summary>A map of doubles, in the dictionary's enumeration order.</summary>
    public void WriteDoubleMap(IReadOnlyDictionary<string, double> entries)
    {
        WriteBlockStart(entries.Count);
        foreach (var (key, value) in entries)
        {
            WriteString(key);
            WriteDouble(value);
        }

        WriteBlocksEnd();
    }

    /// <summary>A map of strings, in the dictionary's enumeration order.</summary>
    public void WriteStringMap(IReadOnlyDictionary<string, string> entries)
    {
        WriteBlockStart(entries.Count);
        foreach (var (key, value) in entries)
        {
            WriteString(key);
            WriteString(value);
        }

        WriteBlocksEnd();
    }

    /// <summary>A <c>["null", "string"]</c> union.</summary>
    public void WriteOptionalString(string? value)
    {
        if (value is null)
        {
            WriteUnionIndex(0);
            return;
        }

        WriteUnionIndex(1);
        WriteString(value);
    }

    /// <summary>A <c>["null", "int"]</c> union.</summary>
    public void WriteOptionalInt(int? value)
    {
        WriteUnionIndex(value.HasValue ? 1 : 0);
        if (value.HasValue)
        {
            WriteInt(value.GetValueOrDefault());
        }
    }

    /// <summary>A <c>["null", "long"]</c> union.</summary>
    public void WriteOptionalLong(long? value)
    {
        WriteUnionIndex(value.HasValue ? 1 : 0);
        if (value.HasValue)
        {
            WriteLong(value.GetValueOrDefault());
        }
    }

    /// <summary>A <c>["null", "double"]</c> union.</summary>
    public void WriteOptionalDouble(double? value)
    {
        WriteUnionIndex(value.HasValue ? 1 : 0);
        if (value.HasValue)
        {
            WriteDouble(value.GetValueOrDefault());
        }
    }

    /// <summary>A <c>["null", timestamp-millis]</c> union.</summary>
    public void WriteOptionalTimestampMillis(DateTimeOffset? value)
    {
        WriteUnionIndex(value.HasValue ? 1 : 0);
        if (value.HasValue)
        {
            WriteTimestampMillis(value.GetValueOrDefault());
        }
    }

    /// <summary>A <c>["null", enum]</c> union.</summary>
    public void WriteOptionalEnum<TEnum>(TEnum? value) where TEnum : struct, Enum
    {
        WriteUnionIndex(value.HasValue ? 1 : 0);
        if (value.HasValue)
        {
            WriteEnum(value.GetValueOrDefault());
        }
    }

    private void Ensure(int extra)
    {
        if (_length + extra > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + extra));
        }
    }
}
