using System.Collections;
using System.Globalization;
using System.Text;
using Avro;
using Avro.Generic;
using Avro.IO;
using Personalization.Topology.Records;
using Streams.Avro;

namespace Personalization.Topology.Tests.Records;

/// <summary>
/// Every record type against its .avsc file, checked by Apache.Avro as an independent implementation: the bytes the
/// type writes decode with the schema into the same values field by field (matched by name), Apache.Avro re-encodes
/// those values into the same bytes, and the type reads them back.
/// </summary>
public sealed class RecordTypeTests
{
    private const int SamplesPerType = 200;

    [Fact]
    public void Every_record_type_carries_the_schema_of_its_avsc_file_and_every_schema_has_a_type()
    {
        var types = new Dictionary<string, RecordSchema>
        {
            ["ClickEvent"] = ClickEvent.Schema,
            ["Decision"] = Decision.Schema,
            ["Reward"] = Reward.Schema,
            ["TrainingRecord"] = TrainingRecord.Schema,
            ["UserFeatures"] = UserFeatures.Schema,
            ["Score"] = Score.Schema,
            ["AttributeUpdate"] = AttributeUpdate.Schema,
            ["ItemUpdate"] = ItemUpdate.Schema,
            ["Trigger"] = Trigger.Schema,
            ["PolicyEvaluation"] = PolicyEvaluation.Schema,
        };

        Assert.Equal(types.Keys.Order(), RecordSchemas.Current.Select(f => Path.GetFileNameWithoutExtension(f.Path)).Order());
        foreach (var file in RecordSchemas.Current)
        {
            var name = Path.GetFileNameWithoutExtension(file.Path);
            Assert.Equal(file.Schema.ToString(), types[name].ToString());
            Assert.Equal("io.personalization." + name, types[name].Fullname);
        }
    }

    [Fact]
    public void ClickEvent_round_trips_its_schema() => RoundTrip(r => Samples.ClickEvent(r, r.Next(3) > 0));

    [Fact]
    public void Decision_round_trips_its_schema() => RoundTrip(r => Samples.Decision(r, r.Next(3) > 0));

    [Fact]
    public void Reward_round_trips_its_schema() => RoundTrip(Samples.Reward);

    [Fact]
    public void TrainingRecord_round_trips_its_schema() => RoundTrip(Samples.TrainingRecord);

    [Fact]
    public void PolicyEvaluation_round_trips_its_schema() => RoundTrip(Samples.PolicyEvaluation);

    [Fact]
    public void UserFeatures_round_trips_its_schema() => RoundTrip(r => Samples.UserFeatures(r, r.Next(3) > 0));

    [Fact]
    public void Score_round_trips_its_schema() => RoundTrip(r => Samples.Score(r, r.Next(3) > 0));

    [Fact]
    public void AttributeUpdate_round_trips_its_schema() => RoundTrip(r => Samples.AttributeUpdate(r, r.Next(3) > 0));

    [Fact]
    public void ItemUpdate_round_trips_its_schema() => RoundTrip(r => Samples.ItemUpdate(r, r.Next(3) > 0));

    [Fact]
    public void Trigger_round_trips_its_schema() => RoundTrip(r => Samples.Trigger(r, r.Next(3) > 0));

    private static void RoundTrip<T>(Func<Random, T> sample) where T : class, IAvroRecord<T>
    {
        var random = new Random(20261124);
        var writer = new AvroWriter();
        var apacheReader = new GenericDatumReader<GenericRecord>(T.Schema, T.Schema);
        var apacheWriter = new GenericDatumWriter<GenericRecord>(T.Schema);
        for (var i = 0; i < SamplesPerType; i++)
        {
            var record = sample(random);
            writer.Reset();
            record.WriteTo(writer);
            var ours = writer.ToArray();

            using var input = new MemoryStream(ours);
            var generic = apacheReader.Read(null!, new BinaryDecoder(input));
            Assert.Equal(input.Length, input.Position);
            AssertSameValues(T.Schema, generic, record, typeof(T).Name);

            using var output = new MemoryStream();
            apacheWriter.Write(generic, new BinaryEncoder(output));
            Assert.Equal(ours, output.ToArray());

            var reader = new AvroReader(ours);
            var back = T.ReadFrom(ref reader);
            reader.EnsureConsumed();
            writer.Reset();
            back.WriteTo(writer);
            Assert.Equal(ours, writer.ToArray());
        }
    }

    /// <summary>Compares an Apache.Avro generic value with a C# value by the schema, matching fields by name.</summary>
    private static void AssertSameValues(Schema schema, object? avro, object? clr, string path)
    {
        switch (schema)
        {
            case UnionSchema union:
                if (clr is null)
                {
                    Assert.True(avro is null, $"{path}: expected null, Apache.Avro read {avro}");
                    return;
                }

                AssertSameValues(union.Schemas.Single(s => s.Tag != Schema.Type.Null), avro, clr, path);
                return;
            case RecordSchema record:
                var generic = Assert.IsType<GenericRecord>(avro);
                foreach (var field in record.Fields)
                {
                    var property = clr!.GetType().GetProperty(PropertyName(record, field))
                        ?? throw new Xunit.Sdk.XunitException($"{clr.GetType().Name} has no property for the field {path}.{field.Name}.");
                    AssertSameValues(field.Schema, generic[field.Name], property.GetValue(clr), $"{path}.{field.Name}");
                }

                return;
            case EnumSchema:
                Assert.Equal(ScreamingSnake(clr!.ToString()!), Assert.IsType<GenericEnum>(avro).Value);
                return;
            case ArraySchema array:
                var avroItems = ((IEnumerable)avro!).Cast<object?>().ToList();
                var clrItems = ((IEnumerable)clr!).Cast<object?>().ToList();
                Assert.Equal(clrItems.Count, avroItems.Count);
                for (var i = 0; i < clrItems.Count; i++)
                {
                    AssertSameValues(array.ItemSchema, avroItems[i], clrItems[i], $"{path}[{i}]");
                }

                return;
            case MapSchema map:
                var avroMap = (IDictionary<string, object>)avro!;
                var clrMap = (IDictionary)clr!;
                Assert.Equal(clrMap.Count, avroMap.Count);
                foreach (DictionaryEntry entry in clrMap)
                {
                    AssertSameValues(map.ValueSchema, avroMap[(string)entry.Key], entry.Value, $"{path}{{{entry.Key}}}");
                }

                return;
            case LogicalSchema { LogicalTypeName: "timestamp-millis" }:
                Assert.Equal(((DateTimeOffset)clr!).ToUnixTimeMilliseconds(), new DateTimeOffset(Assert.IsType<DateTime>(avro)).ToUnixTimeMilliseconds());
                return;
            default:
                Assert.Equal(clr, avro);
                return;
        }
    }

    private static string PropertyName(RecordSchema record, Field field) => (record.Name, field.Name) switch
    {
        ("Score", "score") => nameof(Score.Value),
        _ => string.Concat(field.Name.Split('_').Select(part => char.ToUpperInvariant(part[0]) + part[1..])),
    };

    private static string ScreamingSnake(string pascal)
    {
        var text = new StringBuilder();
        foreach (var c in pascal)
        {
            if (char.IsUpper(c) && text.Length > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToUpper(c, CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }
}
