using Avro.Generic;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using Personalization.Topology.Records;
using Streams.Avro;
using Streams.Avro.SchemaRegistry;

namespace Personalization.Topology.Tests.Records;

/// <summary>
/// Every record type against Confluent's own Avro serdes (Confluent.SchemaRegistry.Serdes.Avro) over one registry,
/// the test server speaking Confluent's REST API: what the worker writes, Confluent's deserializer reads, and what
/// Confluent's serializer writes from that, byte for byte, the worker reads back as the record it wrote. A downstream
/// consumer written with Confluent's client, or a producer feeding the worker with it, therefore needs nothing of ours.
/// </summary>
public sealed class ConfluentInteroperabilityTests : IAsyncLifetime
{
    private TestSchemaRegistryServer _server = null!;
    private ConfluentSchemaRegistry _ours = null!;
    private CachedSchemaRegistryClient _theirs = null!;

    public async Task InitializeAsync()
    {
        _server = await TestSchemaRegistryServer.StartAsync();
        _ours = new ConfluentSchemaRegistry(new SchemaRegistryOptions { Url = _server.Url });
        _theirs = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = _server.Url });
    }

    public async Task DisposeAsync()
    {
        _ours.Dispose();
        _theirs.Dispose();
        await _server.DisposeAsync();
    }

    public static TheoryData<string, bool> Cases() => new()
    {
        { nameof(ClickEvent), true }, { nameof(ClickEvent), false },
        { nameof(Decision), true }, { nameof(Decision), false },
        { nameof(Reward), true },
        { nameof(TrainingRecord), true },
        { nameof(UserFeatures), true }, { nameof(UserFeatures), false },
        { nameof(Score), true }, { nameof(Score), false },
        { nameof(AttributeUpdate), true }, { nameof(AttributeUpdate), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Confluents_serdes_read_what_the_worker_writes_and_write_the_same_bytes_back(string type, bool full)
    {
        var seeds = Enumerable.Range(1, 25);
        foreach (var seed in seeds)
        {
            var random = new Random(seed);
            await (type switch
            {
                nameof(ClickEvent) => RoundTrip(Samples.ClickEvent(random, full)),
                nameof(Decision) => RoundTrip(Samples.Decision(random, full)),
                nameof(Reward) => RoundTrip(Samples.Reward(random)),
                nameof(TrainingRecord) => RoundTrip(Samples.TrainingRecord(random)),
                nameof(UserFeatures) => RoundTrip(Samples.UserFeatures(random, full)),
                nameof(Score) => RoundTrip(Samples.Score(random, full)),
                nameof(AttributeUpdate) => RoundTrip(Samples.AttributeUpdate(random, full)),
                _ => throw new ArgumentOutOfRangeException(nameof(type)),
            });
        }
    }

    [Fact]
    public async Task A_record_written_by_Confluents_serializer_from_scratch_is_read_by_the_worker()
    {
        var schema = (global::Avro.RecordSchema)global::Avro.Schema.Parse(Reward.Schema.ToString());
        var record = new GenericRecord(schema);
        record.Add("event_id", "decision-1");
        record.Add("user_id", "user-1");
        record.Add("value", 3.0);
        record.Add("timestamp", DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123L).UtcDateTime);
        var context = new SerializationContext(MessageComponentType.Value, "bandit.rewards");

        var bytes = await new AvroSerializer<GenericRecord>(_theirs).SerializeAsync(record, context);
        var read = new AvroSerde<Reward>(_ours).Deserialize(bytes, false, context)!;

        Assert.Equal(("decision-1", "user-1", 3.0, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123L)), (read.EventId, read.UserId, read.Value, read.Timestamp));
    }

    private async Task RoundTrip<T>(T record) where T : class, IAvroRecord<T>
    {
        var topic = "interop." + typeof(T).Name;
        var context = new SerializationContext(MessageComponentType.Value, topic);
        var serde = new AvroSerde<T>(_ours);

        var written = serde.Serialize(record, context)!;
        var generic = await new AvroDeserializer<GenericRecord>(_theirs).DeserializeAsync(written, isNull: false, context);
        var rewritten = await new AvroSerializer<GenericRecord>(_theirs).SerializeAsync(generic, context);
        var readBack = serde.Deserialize(rewritten, false, context)!;

        Assert.Equal(written, rewritten);
        Assert.Equal(written, serde.Serialize(readBack, context));
    }
}
