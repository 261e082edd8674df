using Avro;
using Avro.Generic;
using Avro.IO;
using Confluent.Kafka;
using Personalization.Topology.Records;
using Streams.Avro;
using Streams.Avro.SchemaRegistry;
using Streams.Engine.Serialization;

namespace Personalization.Topology.Tests.Records;

public sealed class AvroSerdeTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);   // 2023-11-14T22:13:20Z

    private static SerializationContext Value(string topic) => new(MessageComponentType.Value, topic);

    // The expected bytes are written out from the Avro specification (zig-zag varints, length-prefixed UTF-8,
    // little-endian doubles, union branch then value) and Confluent's wire format (magic 0, 4-byte big-endian id).
    private static readonly byte[] RewardBytes =
    [
        0x00,                                   // magic byte
        0x00, 0x00, 0x00, 0x04,                 // schema id 4 (Reward version 1 in schemas/registry.json)
        0x06, (byte)'d', (byte)'-', (byte)'1',  // event_id "d-1": length 3 (zig-zag 6), then UTF-8
        0x06, (byte)'u', (byte)'-', (byte)'1',  // user_id "u-1"
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x40, // value 3.0, IEEE 754 little-endian
        0x80, 0xa0, 0xab, 0xfe, 0xf9, 0x62,     // timestamp 1700000000000 ms: zig-zag 3400000000000 as a varint
    ];

    private static readonly byte[] ClickEventBytes =
    [
        0x00, 0x00, 0x00, 0x00, 0x02,           // magic byte, schema id 2 (ClickEvent version 1)
        0x04, (byte)'e', (byte)'1',             // event_id "e1"
        0x04, (byte)'u', (byte)'1',             // user_id "u1"
        0x04, (byte)'s', (byte)'1',             // session_id "s1"
        0x06,                                   // type ADD_TO_CART: ordinal 3
        0x80, 0xa0, 0xab, 0xfe, 0xf9, 0x62,     // timestamp 1700000000000 ms
        0x02, 0x04, (byte)'i', (byte)'9',       // item_id: branch 1 (string), "i9"
        0x00,                                   // category: branch 0 (null)
        0x02, 0x3d, 0x0a, 0xd7, 0xa3, 0x70, 0xfd, 0x33, 0x40, // price: branch 1, 19.99
        0x02, 0x04,                             // quantity: branch 1, 2
        0x02, 0x02,                             // channel: branch 1, APP (ordinal 1)
        0x00,                                   // device_id: null
        0x00,                                   // ip_hash: null
        0x02, 0x04, (byte)'D', (byte)'E',       // country: "DE"
    ];

    private static readonly ClickEvent ClickEventValue = new()
    {
        EventId = "e1",
        UserId = "u1",
        SessionId = "s1",
        Type = EventType.AddToCart,
        Timestamp = At,
        ItemId = "i9",
        Price = 19.99,
        Quantity = 2,
        Channel = Channel.App,
        Country = "DE",
    };

    [Fact]
    public void A_Reward_is_written_byte_for_byte_as_the_Confluent_wire_format_and_Avro_specification_say()
    {
        var serde = new AvroSerde<Reward>(RecordSchemas.LocalRegistry());
        var reward = new Reward { EventId = "d-1", UserId = "u-1", Value = 3.0, Timestamp = At };

        Assert.Equal(RewardBytes, serde.Serialize(reward, Value("bandit.rewards")));
        Assert.Equal(reward, serde.Deserialize(RewardBytes, false, Value("bandit.rewards")));
    }

    [Fact]
    public void A_ClickEvent_with_optional_fields_set_and_unset_matches_the_fixed_vector_both_ways()
    {
        var serde = new AvroSerde<ClickEvent>(RecordSchemas.LocalRegistry());

        Assert.Equal(ClickEventBytes, serde.Serialize(ClickEventValue, Value("events.clickstream")));
        Assert.Equal(ClickEventValue, serde.Deserialize(ClickEventBytes, false, Value("events.clickstream")));
    }

    [Fact]
    public void Null_is_a_tombstone_both_ways()
    {
        var serde = new AvroSerde<AttributeUpdate>(RecordSchemas.LocalRegistry());

        Assert.Null(serde.Serialize(null!, Value("users.attributes")));
        Assert.Null(serde.Deserialize(ReadOnlySpan<byte>.Empty, true, Value("users.attributes")));
    }

    [Fact]
    public async Task The_schema_is_registered_under_the_topic_value_subject_and_reused()
    {
        var registry = RecordSchemas.LocalRegistry();
        var serde = new AvroSerde<Score>(registry);
        var score = Samples.Score(new Random(1));

        serde.Serialize(score, Value("scores.fraud"));
        serde.Serialize(score, Value("scores.propensity"));

        // Score version 2 (the experiments map) has id 12 in schemas/registry.json.
        Assert.Equal(12, (await registry.GetLatestAsync("scores.fraud-value")).Id);
        Assert.Equal(12, (await registry.GetLatestAsync("scores.propensity-value")).Id);
        await Assert.ThrowsAsync<SchemaRegistryException>(() => registry.GetLatestAsync("scores.fraud-key"));
    }

    [Fact]
    public void Record_name_strategies_name_the_subject_after_the_record()
    {
        Assert.Equal("io.personalization.Score", Subjects.For(SubjectNameStrategy.Record, "scores.fraud", false, Score.Schema.Fullname));
        Assert.Equal("scores.fraud-io.personalization.Score", Subjects.For(SubjectNameStrategy.TopicRecord, "scores.fraud", false, Score.Schema.Fullname));
        Assert.Equal("scores.fraud-key", Subjects.For(SubjectNameStrategy.Topic, "scores.fraud", true, Score.Schema.Fullname));
    }

    [Fact]
    public void A_record_written_with_an_older_schema_reads_into_the_current_type_with_defaults_for_new_fields()
    {
        // Version 0 of ClickEvent had neither channel nor device, IP or country.
        var old = (RecordSchema)Schema.Parse("""
            {"type":"record","name":"ClickEvent","namespace":"io.personalization","fields":[
              {"name":"event_id","type":"string"},{"name":"user_id","type":"string"},{"name":"session_id","type":"string"},
              {"name":"type","type":{"type":"enum","name":"EventType","symbols":["PAGE_VIEW","PRODUCT_VIEW","SEARCH","ADD_TO_CART","REMOVE_FROM_CART","CHECKOUT_START","PURCHASE"]}},
              {"name":"timestamp","type":{"type":"long","logicalType":"timestamp-millis"}},
              {"name":"item_id","type":["null","string"],"default":null},{"name":"category","type":["null","string"],"default":null},
              {"name":"price","type":["null","double"],"default":null},{"name":"quantity","type":["null","int"],"default":null}]}
            """);
        var registry = RegistryWith((100, old));
        var record = new GenericRecord(old);
        record.Add("event_id", "e-old");
        record.Add("user_id", "u-old");
        record.Add("session_id", "s-old");
        record.Add("type", new GenericEnum((EnumSchema)old["type"].Schema, "PURCHASE"));
        record.Add("timestamp", At.UtcDateTime);
        record.Add("item_id", "i-1");
        record.Add("category", null);
        record.Add("price", 12.5);
        record.Add("quantity", 3);

        var read = new AvroSerde<ClickEvent>(registry).Deserialize(WireFormat(100, old, record), false, Value("events.clickstream"));

        Assert.Equal(
            new ClickEvent { EventId = "e-old", UserId = "u-old", SessionId = "s-old", Type = EventType.Purchase, Timestamp = At, ItemId = "i-1", Price = 12.5, Quantity = 3 },
            read);
    }

    [Fact]
    public void A_record_written_with_a_newer_schema_reads_into_the_current_type_ignoring_fields_it_does_not_know()
    {
        var newer = (RecordSchema)Schema.Parse(Reward.Schema.ToString().Replace(
            """{"name":"timestamp""", """{"name":"campaign","type":["null","string"],"default":null},{"name":"timestamp""", StringComparison.Ordinal));
        var registry = RegistryWith((101, newer));
        var record = new GenericRecord(newer);
        record.Add("event_id", "d-9");
        record.Add("user_id", "u-9");
        record.Add("value", 1.0);
        record.Add("campaign", "spring");
        record.Add("timestamp", At.UtcDateTime);

        var read = new AvroSerde<Reward>(registry).Deserialize(WireFormat(101, newer, record), false, Value("bandit.rewards"));

        Assert.Equal(new Reward { EventId = "d-9", UserId = "u-9", Value = 1.0, Timestamp = At }, read);
    }

    [Fact]
    public void Generic_records_read_what_the_typed_serde_wrote_and_the_typed_serde_reads_generic_records()
    {
        var registry = RecordSchemas.LocalRegistry();
        var generic = new GenericAvroSerde(registry);
        var typed = new AvroSerde<ClickEvent>(registry);

        var record = generic.Deserialize(ClickEventBytes, false, Value("events.clickstream"));
        Assert.Equal("e1", record["event_id"]);
        Assert.Equal("ADD_TO_CART", ((GenericEnum)record["type"]).Value);
        Assert.Equal(19.99, record["price"]);

        Assert.Equal(ClickEventBytes, generic.Serialize(record, Value("events.clickstream")));
        Assert.Equal(ClickEventValue, typed.Deserialize(generic.Serialize(record, Value("events.clickstream")), false, Value("events.clickstream")));
    }

    [Theory]
    [InlineData("json", AvroErrorReason.NotWireFormat, "0x7B")]
    [InlineData("empty", AvroErrorReason.NotWireFormat, "empty")]
    [InlineData("header-only", AvroErrorReason.NotWireFormat, "fewer than the 5")]
    [InlineData("truncated", AvroErrorReason.Truncated, "ends before")]
    [InlineData("unknown-id", AvroErrorReason.UnknownSchemaId, "Schema id 424242")]
    [InlineData("bad-union", AvroErrorReason.Malformed, "union branch")]
    [InlineData("trailing", AvroErrorReason.Malformed, "bytes are left")]
    [InlineData("other-record", AvroErrorReason.IncompatibleSchema, "cannot be read as ClickEvent")]
    public void Bytes_that_are_not_a_readable_record_raise_a_typed_error_that_says_why(string kind, AvroErrorReason reason, string message)
    {
        var serde = new AvroSerde<ClickEvent>(RecordSchemas.LocalRegistry());

        var error = Assert.Throws<AvroDeserializationException>(() => serde.Deserialize(PoisonValues.Make(kind), false, Value("events.clickstream")));

        Assert.Equal(reason, error.Reason);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<SerializationException>(error);
    }

    [Fact]
    public void An_unreachable_registry_is_not_blamed_on_the_record()
    {
        var registry = new ConfluentSchemaRegistry(new SchemaRegistryOptions { Url = "http://127.0.0.1:9", MaxRetries = 0, RequestTimeout = TimeSpan.FromSeconds(2) });
        var serde = new AvroSerde<ClickEvent>(registry);

        var reading = Assert.Throws<SerdeUnavailableException>(() => serde.Deserialize(ClickEventBytes, false, Value("events.clickstream")));
        var writing = Assert.Throws<SerdeUnavailableException>(() => serde.Serialize(ClickEventValue, Value("events.clickstream")));

        Assert.Contains("schema id 2", reading.Message, StringComparison.Ordinal);
        Assert.Contains("events.clickstream-value", writing.Message, StringComparison.Ordinal);
    }

    private static LocalSchemaRegistry RegistryWith(params (int Id, RecordSchema Schema)[] extra) =>
        new(new SchemaCatalog(RecordSchemas.Catalog.Entries.Concat(extra.Select(e => new CatalogEntry(e.Id, e.Schema.Fullname, 99, e.Schema.ToString())))));

    private static byte[] WireFormat(int id, RecordSchema schema, GenericRecord record)
    {
        using var stream = new MemoryStream();
        stream.Write([0, (byte)(id >> 24), (byte)(id >> 16), (byte)(id >> 8), (byte)id]);
        new GenericDatumWriter<GenericRecord>(schema).Write(record, new BinaryEncoder(stream));
        return stream.ToArray();
    }
}

/// <summary>Values on a ClickEvent topic that no reader can turn into a ClickEvent, one of each kind.</summary>
internal static class PoisonValues
{
    public static readonly string[] Kinds = ["json", "empty", "header-only", "truncated", "unknown-id", "bad-union", "trailing", "other-record"];

    public static byte[] Make(string kind)
    {
        var valid = new AvroSerde<ClickEvent>(RecordSchemas.LocalRegistry())
            .Serialize(Samples.ClickEvent(new Random(7)), new SerializationContext(MessageComponentType.Value, "events.clickstream"));
        return kind switch
        {
            "json" => """{"event_id":"e1","user_id":"u1"}"""u8.ToArray(),
            "empty" => [],
            "header-only" => [0, 0, 0],
            "truncated" => valid[..^3],
            "unknown-id" => [0, 0, 0x06, 0x79, 0x32, .. valid[5..]],
            // After the three strings and the enum and timestamp, the first union gets branch 9 (zig-zag 0x12).
            "bad-union" => CorruptFirstUnion(valid),
            "trailing" => [.. valid, 0x00],
            // A valid Reward (schema id 4) sent to the ClickEvent topic.
            "other-record" => new AvroSerde<Reward>(RecordSchemas.LocalRegistry())
                .Serialize(Samples.Reward(new Random(3)), new SerializationContext(MessageComponentType.Value, "events.clickstream")),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    private static byte[] CorruptFirstUnion(byte[] valid)
    {
        var reader = new AvroReader(valid.AsSpan(5));
        reader.ReadString();
        reader.ReadString();
        reader.ReadString();
        reader.ReadEnum(14);
        reader.ReadLong();
        var copy = (byte[])valid.Clone();
        copy[5 + reader.Position] = 0x12;
        return copy;
    }
}

public sealed class RecordSerdesTests
{
    [Fact]
    public async Task Without_a_registry_url_the_serdes_use_the_local_catalog_and_preparing_registers_every_topic_subject()
    {
        using var serdes = RecordSerdes.Create(new SchemaRegistryOptions());
        var topics = new TopicOptions();

        await serdes.PrepareAsync(topics, CancellationToken.None);

        Assert.IsType<LocalSchemaRegistry>(serdes.Registry);
        foreach (var (topic, schema) in topics.ValueSchemas())
        {
            var latest = await serdes.Registry.GetLatestAsync(topic + "-value");
            Assert.Equal(RecordSchemas.Catalog.Find(schema)!.Id, latest.Id);
        }
    }

    [Fact]
    public async Task With_a_registry_url_an_unreachable_registry_fails_preparation_naming_the_subject()
    {
        using var serdes = RecordSerdes.Create(new SchemaRegistryOptions { Url = "http://127.0.0.1:9", MaxRetries = 0 });

        var error = await Assert.ThrowsAsync<SchemaRegistryException>(() => serdes.PrepareAsync(new TopicOptions(), CancellationToken.None));

        Assert.IsType<ConfluentSchemaRegistry>(serdes.Registry);
        Assert.Equal("events.clickstream-value", error.Subject);
    }
}
