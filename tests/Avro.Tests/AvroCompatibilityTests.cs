using AvroSchema = Avro.Schema;

namespace Streams.Avro.Tests;

/// <summary>Schema resolution as a check, case by case from the Avro specification's resolution rules.</summary>
public sealed class AvroCompatibilityTests
{
    private static AvroSchema Record(params string[] fields) =>
        AvroSchema.Parse($$"""{"type":"record","name":"Event","namespace":"test","fields":[{{string.Join(",", fields)}}]}""");

    private const string Id = """{"name":"id","type":"string"}""";

    private static IReadOnlyList<string> Problems(AvroSchema reader, AvroSchema writer) => AvroCompatibility.ReadProblems(reader, writer);

    [Fact]
    public void A_new_field_with_a_default_can_read_old_data_but_one_without_cannot_and_the_problem_names_it()
    {
        var old = Record(Id);

        Assert.Empty(Problems(Record(Id, """{"name":"note","type":["null","string"],"default":null}"""), old));
        var problem = Assert.Single(Problems(Record(Id, """{"name":"amount","type":"double"}"""), old));
        Assert.Contains("Event.amount", problem, StringComparison.Ordinal);
        Assert.Contains("no default", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_removed_field_is_skipped_when_reading_old_data()
    {
        Assert.Empty(Problems(Record(Id), Record(Id, """{"name":"amount","type":"double"}""")));
    }

    [Fact]
    public void A_field_alias_finds_a_renamed_field()
    {
        Assert.Empty(Problems(Record("""{"name":"event_id","type":"string","aliases":["id"]}"""), Record(Id)));
        Assert.NotEmpty(Problems(Record("""{"name":"event_id","type":"string"}"""), Record(Id)));
    }

    [Theory]
    [InlineData("int", "long", true)]
    [InlineData("int", "double", true)]
    [InlineData("long", "float", true)]
    [InlineData("float", "double", true)]
    [InlineData("string", "bytes", true)]
    [InlineData("bytes", "string", true)]
    [InlineData("long", "int", false)]
    [InlineData("double", "float", false)]
    [InlineData("string", "int", false)]
    public void Primitives_resolve_only_along_the_specified_promotions(string writerType, string readerType, bool readable)
    {
        var problems = Problems(Record($$"""{"name":"v","type":"{{readerType}}"}"""), Record($$"""{"name":"v","type":"{{writerType}}"}"""));
        Assert.Equal(readable, problems.Count == 0);
    }

    [Fact]
    public void Enums_may_gain_symbols_but_not_lose_them_unless_the_reader_has_a_default()
    {
        AvroSchema Enum(string symbols, string? defaultSymbol = null)
        {
            var defaultPart = defaultSymbol is null ? "" : $",\"default\":\"{defaultSymbol}\"";
            return Record("{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"Kind\",\"symbols\":[" + symbols + "]" + defaultPart + "}}");
        }

        Assert.Empty(Problems(Enum("\"A\",\"B\",\"C\""), Enum("\"A\",\"B\"")));
        Assert.Contains("symbol B", Assert.Single(Problems(Enum("\"A\",\"C\""), Enum("\"A\",\"B\""))), StringComparison.Ordinal);
        Assert.Empty(Problems(Enum("\"A\",\"C\"", "A"), Enum("\"A\",\"B\"")));
    }

    [Fact]
    public void Unions_must_cover_every_branch_the_writer_may_have_used()
    {
        Assert.Empty(Problems(Record("""{"name":"v","type":["null","string"]}"""), Record("""{"name":"v","type":"string"}""")));
        Assert.Empty(Problems(Record("""{"name":"v","type":["null","long"]}"""), Record("""{"name":"v","type":["null","int"]}""")));
        Assert.NotEmpty(Problems(Record("""{"name":"v","type":"string"}"""), Record("""{"name":"v","type":["null","string"]}""")));
    }

    [Fact]
    public void Nested_records_arrays_and_maps_are_checked_recursively_with_the_path_in_the_message()
    {
        var writer = Record("""{"name":"items","type":{"type":"array","items":{"type":"record","name":"Item","fields":[{"name":"sku","type":"string"}]}}}""");
        var reader = Record("""{"name":"items","type":{"type":"array","items":{"type":"record","name":"Item","fields":[{"name":"sku","type":"string"},{"name":"qty","type":"int"}]}}}""");

        var problem = Assert.Single(Problems(reader, writer));

        Assert.Contains("Event.items[].qty", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_of_another_name_is_not_readable()
    {
        var other = AvroSchema.Parse("""{"type":"record","name":"Other","namespace":"test","fields":[{"name":"id","type":"string"}]}""");
        Assert.Contains("test.Other", Assert.Single(Problems(Record(Id), other)), StringComparison.Ordinal);
    }

    [Fact]
    public void Logical_types_resolve_as_their_underlying_type()
    {
        Assert.Empty(Problems(
            Record("""{"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}}"""),
            Record("""{"name":"at","type":"long"}""")));
    }

    [Fact]
    public void Backward_compatibility_is_checked_against_every_earlier_version()
    {
        var v1 = Record(Id);
        var v2 = Record(Id, """{"name":"amount","type":"double","default":0}""");
        var v3 = Record(Id, """{"name":"amount","type":"double"}""");

        var problems = AvroCompatibility.BackwardProblems(v3, [("v1", v1), ("v2", v2)]);

        Assert.Contains("v1", Assert.Single(problems), StringComparison.Ordinal);
    }
}
