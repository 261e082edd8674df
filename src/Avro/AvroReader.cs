using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Streams.Avro;

/// <summary>
/// Reads Avro binary encoding from a span without copying. Every read checks the bounds and the value's validity, so
/// corrupt bytes raise an <see cref="AvroDeserializationException"/> that says what was wrong and where, never an
/// index error or a huge allocation.
/// </summary>
public ref struct AvroReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    /// <summary>Reads <paramref name="data"/> from its start.</summary>
    public AvroReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    /// <summary>The offset of the next byte.</summary>
    public readonly int Position => _position;

    /// <summary>Bytes not yet read.</summary>
    public readonly int Remaining => _data.Length - _position;

    public bool ReadBoolean()
    {
        var b = Take(1)[0];
        return b switch
        {
            0 => false,
            1 => true,
            _ => throw Malformed($"a boolean must be 0 or 1 but is {b}", _position - 1),
        };
    }

    public int ReadInt()
    {
        var start = _position;
        var value = ReadLong();
        if (value is < int.MinValue or > int.MaxValue)
        {
            throw Malformed($"the int {value} is out of range", start);
        }

        return (int)value;
    }

    public long ReadLong()
    {
        var start = _position;
        ulong n = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _data.Length)
            {
                throw Truncated("a variable-length integer", start);
            }

            var b = _data[_position++];
            n |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return (long)(n >> 1) ^ -(long)(n & 1);
            }
        }

        throw Malformed("a variable-length integer runs past 10 bytes", start);
    }

    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    public string ReadString()
    {
        var start = _position;
        try
        {
            return Encoding.UTF8.GetString(TakeSized("a string"));
        }
        catch (ArgumentException e)
        {
            throw new AvroDeserializationException(AvroErrorReason.Malformed, $"Invalid UTF-8 in the string at byte {start}.", e);
        }
    }

    /// <summary>An enum ordinal, checked against the number of symbols.</summary>
    public int ReadEnum(int symbolCount)
    {
        var start = _position;
        var ordinal = ReadInt();
        if ((uint)ordinal >= (uint)symbolCount)
        {
            throw Malformed($"enum ordinal {ordinal} is not one of the {symbolCount} symbols", start);
        }

        return ordinal;
    }

    /// <summary>An enum whose C# members are the schema's symbols in order (underlying type int).</summary>
    public TEnum ReadEnum<TEnum>() where TEnum : struct, Enum
    {
        var ordinal = ReadEnum(AvroEnum<TEnum>.Count);
        return Unsafe.As<int, TEnum>(ref ordinal);
    }

    /// <summary>A union branch index, checked against the number of branches.</summary>
    public int ReadUnionIndex(int branchCount)
    {
        var start = _position;
        var branch = ReadInt();
        if ((uint)branch >= (uint)branchCount)
        {
            throw Malformed($"union branch {branch} is not one of the {branchCount} branches", start);
        }

        return branch;
    }

    /// <summary>
    /// The item count of the next array or map block; 0 ends the array or map. A block may give its size in bytes
    /// (a negative count), which is skipped. Counts larger than the bytes left are rejected, since no item this
    /// engine writes is empty.
    /// </summary>
    public int ReadBlockCount()
    {
        var start = _position;
        var count = ReadLong();
        if (count < 0)
        {
            count = -count;
            ReadLong();
        }

        if (count > Remaining)
        {
            throw Malformed($"a block of {count} items cannot fit in the {Remaining} bytes left", start);
        }

        return (int)count;
    }

    public string[] ReadStringArray()
    {
        var items = new List<string>();
        for (var count = ReadBlockCount(); count > 0; count = ReadBlockCount())
        {
            items.EnsureCapacity(items.Count + count);
            for (var i = 0; i < count; i++)
            {
                items.Add(ReadString());
            }
        }

        return items.ToArray();
    }

    public double[] ReadDoubleArray()
    {
        var items = new List<double>();
        for (var count = ReadBlockCount(); count > 0; count = ReadBlockCount())
        {
            items.EnsureCapacity(items.Count + count);
            for (var i = 0; i < count; i++)
            {
                items.Add(ReadDouble());
            }
        }

        return items.ToArray();
    }

    /// <summary>A map of doubles; a key repeated in the data keeps its last value.</summary>
    public Dictionary<string, double> ReadDoubleMap()
    {
        var entries = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var count = ReadBlockCount(); count > 0; count = ReadBlockCount())
        {
            for (var i = 0; i < count; i++)
            {
                var key = ReadString();
                entries[key] = ReadDouble();
            }
        }

        return entries;
    }

    /// <summary>A map of strings; a key repeated in the data keeps its last value.</summary>
    public Dictionary<string, string> ReadStringMap()
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var count = ReadBlockCount(); count > 0; count = ReadBlockCount())
        {
            for (var i = 0; i < count; i++)
            {
                var key = ReadString();
                entries[key] = ReadString();
            }
        }

        return entries;
    }

    public DateTimeOffset ReadTimestampMillis()
    {
        var start = _position;
        var millis = ReadLong();
        try
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(millis);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw Malformed($"timestamp {millis} ms is out of range", start);
        }
    }

    public string? ReadOptionalString() => ReadUnionIndex(2) == 0 ? null : ReadString();

    public int? ReadOptionalInt() => ReadUnionIndex(2) == 0 ? null : ReadInt();

    public long? ReadOptionalLong() => ReadUnionIndex(2) == 0 ? null : ReadLong();

    public double? ReadOptionalDouble() => ReadUnionIndex(2) == 0 ? null : ReadDouble();

    public DateTimeOffset? ReadOptionalTimestampMillis() => ReadUnionIndex(2) == 0 ? null : ReadTimestampMillis();

    public TEnum? ReadOptionalEnum<TEnum>() where TEnum : struct, Enum => ReadUnionIndex(2) == 0 ? null : ReadEnum<TEnum>();

    /// <summary>Fails if bytes are left over: a record that does not use all its bytes was written with another schema.</summary>
    public readonly void EnsureConsumed()
    {
        if (Remaining != 0)
        {
            throw new AvroDeserializationException(AvroErrorReason.Malformed, $"{Remaining} bytes are left after the record ended at byte {_position}.");
        }
    }

    private ReadOnlySpan<byte> TakeSized(string what)
    {
        var start = _position;
        var length = ReadLong();
        if (length < 0)
        {
            throw Malformed($"{what} has a negative length {length}", start);
        }

        if (length > Remaining)
        {
            throw Truncated($"{what} of {length} bytes", start);
        }

        return Take((int)length);
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > Remaining)
        {
            throw Truncated($"{count} bytes", _position);
        }

        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    private static AvroDeserializationException Truncated(string what, int at) =>
        new(AvroErrorReason.Truncated, $"The data ends before {what} at byte {at}.");

    private static AvroDeserializationException Malformed(string what, int at) =>
        new(AvroErrorReason.Malformed, $"Malformed Avro at byte {at}: {what}.");
}
