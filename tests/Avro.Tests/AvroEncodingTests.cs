namespace Streams.Avro.Tests;

/// <summary>The binary encoding against the examples and rules of the Avro specification.</summary>
public sealed class AvroEncodingTests
{
    private static byte[] Write(Action<AvroWriter> write)
    {
        var writer = new AvroWriter(4);
        write(writer);
        return writer.ToArray();
    }

    // The zig-zag table from the specification's "Primitive Types" section.
    [Theory]
    [InlineData(0L, new byte[] { 0x00 })]
    [InlineData(-1L, new byte[] { 0x01 })]
    [InlineData(1L, new byte[] { 0x02 })]
    [InlineData(-2L, new byte[] { 0x03 })]
    [InlineData(2L, new byte[] { 0x04 })]
    [InlineData(-64L, new byte[] { 0x7f })]
    [InlineData(64L, new byte[] { 0x80, 0x01 })]
    [InlineData(long.MaxValue, new byte[] { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 })]
    [InlineData(long.MinValue, new byte[] { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 })]
    public void Longs_are_zig_zag_varints(long value, byte[] expected)
    {
        Assert.Equal(expected, Write(w => w.WriteLong(value)));
        var reader = new AvroReader(expected);
        Assert.Equal(value, reader.ReadLong());
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void Strings_are_a_byte_count_then_UTF8_as_in_the_specification_example()
    {
        Assert.Equal(new byte[] { 0x06, 0x66, 0x6f, 0x6f }, Write(w => w.WriteString("foo")));
        Assert.Equal(new byte[] { 0x06, 0xc3, 0xa9, 0x2f }, Write(w => w.WriteString("é/")));
        var reader = new AvroReader(Write(w => w.WriteString("Zürich")));
        Assert.Equal("Zürich", reader.ReadString());
    }

    [Fact]
    public void Doubles_are_little_endian_IEEE_754()
    {
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0, 0xf0, 0x3f }, Write(w => w.WriteDouble(1.0)));
    }

    [Fact]
    public void Arrays_are_one_counted_block_then_a_zero_and_empty_arrays_are_just_the_zero()
    {
        // The specification's example: the array [3, 27] is 04 06 36 00.
        Assert.Equal(new byte[] { 0x04, 0x06, 0x36, 0x00 }, Write(w =>
        {
            w.WriteBlockStart(2);
            w.WriteLong(3);
            w.WriteLong(27);
            w.WriteBlocksEnd();
        }));
        Assert.Equal(new byte[] { 0x00 }, Write(w => w.WriteStringArray([])));
    }

    [Fact]
    public void Blocks_with_a_negative_count_carry_a_byte_size_that_is_skipped()
    {
        // -2 items (zig-zag 03), 2 bytes (04), then 3 and 27, then the end.
        var reader = new AvroReader(new byte[] { 0x03, 0x04, 0x06, 0x36, 0x00 });
        Assert.Equal(2, reader.ReadBlockCount());
        Assert.Equal(3, reader.ReadLong());
        Assert.Equal(27, reader.ReadLong());
        Assert.Equal(0, reader.ReadBlockCount());
    }

    [Fact]
    public void A_null_union_branch_is_its_index_alone_and_a_value_branch_is_the_index_then_the_value()
    {
        Assert.Equal(new byte[] { 0x00 }, Write(w => w.WriteOptionalString(null)));
        Assert.Equal(new byte[] { 0x02, 0x02, 0x61 }, Write(w => w.WriteOptionalString("a")));
        Assert.Equal(new byte[] { 0x02, 0x54 }, Write(w => w.WriteOptionalInt(42)));
    }

    [Fact]
    public void Maps_are_key_value_blocks_in_order()
    {
        var bytes = Write(w => w.WriteDoubleMap(new Dictionary<string, double> { ["a"] = 1.0 }));
        Assert.Equal(new byte[] { 0x02, 0x02, 0x61, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x00 }, bytes);
        var reader = new AvroReader(bytes);
        Assert.Equal(1.0, reader.ReadDoubleMap()["a"]);
    }

    [Theory]
    [InlineData(new byte[] { 0x80 }, AvroErrorReason.Truncated, "variable-length integer")]
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 }, AvroErrorReason.Malformed, "past 10 bytes")]
    [InlineData(new byte[] { 0x0a, 0x61 }, AvroErrorReason.Truncated, "a string of 5 bytes")]
    [InlineData(new byte[] { 0x01 }, AvroErrorReason.Malformed, "negative length")]
    public void Corrupt_strings_and_numbers_raise_errors_that_say_what_and_where(byte[] data, AvroErrorReason reason, string message)
    {
        var error = Assert.Throws<AvroDeserializationException>(() =>
        {
            var reader = new AvroReader(data);
            reader.ReadString();
        });
        Assert.Equal(reason, error.Reason);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains("byte 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Union_indexes_enum_ordinals_booleans_and_block_counts_are_range_checked()
    {
        Assert.Contains("union branch 2", Assert.Throws<AvroDeserializationException>(() => new AvroReader(new byte[] { 0x04 }).ReadUnionIndex(2)).Message, StringComparison.Ordinal);
        Assert.Contains("enum ordinal 5", Assert.Throws<AvroDeserializationException>(() => new AvroReader(new byte[] { 0x0a }).ReadEnum(3)).Message, StringComparison.Ordinal);
        Assert.Contains("boolean", Assert.Throws<AvroDeserializationException>(() => new AvroReader(new byte[] { 0x02 }).ReadBoolean()).Message, StringComparison.Ordinal);
        Assert.Contains("cannot fit", Assert.Throws<AvroDeserializationException>(() => new AvroReader(new byte[] { 0xfe, 0xff, 0x03 }).ReadBlockCount()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Leftover_bytes_after_a_record_are_an_error()
    {
        var error = Assert.Throws<AvroDeserializationException>(() =>
        {
            var reader = new AvroReader(new byte[] { 0x02, 0x00 });
            reader.ReadLong();
            reader.EnsureConsumed();
        });
        Assert.Contains("1 bytes are left", error.Message, StringComparison.Ordinal);
    }
}
