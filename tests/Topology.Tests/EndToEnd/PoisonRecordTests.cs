using System.Text;
using Confluent.Kafka;
using Personalization.Topology.Records;
using Personalization.Topology.Tests.Records;
using Streams.Avro;
using Streams.Engine.Dsl;
using Streams.Engine.Runtime;
using Streams.Engine.Serialization;
using Streams.Engine.Tasks;
using Xunit.Abstractions;

namespace Personalization.Topology.Tests.EndToEnd;

[CollectionDefinition(Name)]
public sealed class KafkaCollection : ICollectionFixture<KafkaClusterFixture>
{
    public const string Name = "Kafka";
}

[Collection(KafkaCollection.Name)]
public sealed class PoisonRecordTests(KafkaClusterFixture kafka, ITestOutputHelper output) : EndToEndTest(kafka)
{
    private const string DeadLetterTopic = "events.dlq";

    [Fact]
    public async Task Every_kind_of_unreadable_value_goes_to_events_dlq_with_its_bytes_and_reason_while_the_records_around_it_are_processed()
    {
        var input = Name("events.clickstream");
        var outputTopic = Name("event-ids");
        await Kafka.CreateTopicAsync(input, 1);
        await Kafka.CreateTopicAsync(outputTopic, 1);
        await Kafka.CreateTopicAsync(DeadLetterTopic, 1);

        var registry = RecordSchemas.LocalRegistry();
        var clickEvents = new AvroSerde<ClickEvent>(registry);
        var random = new Random(11);
        var validIds = new List<string>();
        var poison = new List<(string Kind, byte[] Bytes, long Offset)>();
        using (var producer = Kafka.Producer(Serializers.Utf8, Serializers.ByteArray))
        {
            void Send(string key, byte[] value) =>
                producer.Produce(input, new Message<string, byte[]> { Key = key, Value = value, Timestamp = new Timestamp(DateTime.UtcNow) });

            var offset = 0L;
            foreach (var kind in PoisonValues.Kinds)
            {
                var valid = Samples.ClickEvent(random);
                validIds.Add(valid.EventId);
                Send(valid.UserId, clickEvents.Serialize(valid, new SerializationContext(MessageComponentType.Value, input)));
                offset++;
                var bytes = PoisonValues.Make(kind);
                poison.Add((kind, bytes, offset++));
                Send("poisoned-" + kind, bytes);
            }

            var last = Samples.ClickEvent(random);
            validIds.Add(last.EventId);
            Send(last.UserId, clickEvents.Serialize(last, new SerializationContext(MessageComponentType.Value, input)));
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        var builder = new StreamsBuilder();
        builder.Stream(input, Serdes.String, clickEvents)
            .MapValues(e => e.EventId)
            .To(outputTopic, Serdes.String, Serdes.String);
        var config = Kafka.StreamsConfig(Name("poison-app"), StateDir("a"));
        config.DeadLetterTopic = DeadLetterTopic;
        await using var streams = new KafkaStreams(builder.Build(), config, Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "a"));
        await streams.StartAsync();

        var processed = Kafka.ReadUntil(outputTopic, Deserializers.Utf8, Deserializers.Utf8, r => r.Count >= validIds.Count, TimeSpan.FromSeconds(60));
        var deadLetters = Kafka.ReadUntil(DeadLetterTopic, Deserializers.Utf8, Deserializers.ByteArray,
            r => r.Count(FromInput) >= poison.Count, TimeSpan.FromSeconds(30)).Where(FromInput).ToList();

        Assert.Equal(StreamsState.Running, streams.State);
        Assert.Equal(validIds, processed.Select(r => r.Message.Value));
        Assert.Equal(poison.Count, deadLetters.Count);
        foreach (var (kind, bytes, offset) in poison)
        {
            var letter = Assert.Single(deadLetters, r => r.Message.Key == "poisoned-" + kind);
            Assert.Equal(bytes, letter.Message.Value);
            Assert.Equal("deserialization", Header(letter, DeadLetterHeaders.Stage));
            Assert.Equal(typeof(AvroDeserializationException).FullName, Header(letter, DeadLetterHeaders.ErrorType));
            Assert.False(string.IsNullOrWhiteSpace(Header(letter, DeadLetterHeaders.ErrorMessage)));
            Assert.Equal("0", Header(letter, DeadLetterHeaders.SourcePartition));
            Assert.Equal(offset.ToString(System.Globalization.CultureInfo.InvariantCulture), Header(letter, DeadLetterHeaders.SourceOffset));
            output.WriteLine($"{kind}: {Header(letter, DeadLetterHeaders.ErrorMessage)}");
        }

        Assert.Contains("0x7B", Header(deadLetters.Single(r => r.Message.Key == "poisoned-json"), DeadLetterHeaders.ErrorMessage), StringComparison.Ordinal);
        Assert.Contains("424242", Header(deadLetters.Single(r => r.Message.Key == "poisoned-unknown-id"), DeadLetterHeaders.ErrorMessage), StringComparison.Ordinal);
        Assert.Equal(poison.Count, streams.Metrics.CounterValue(TaskMetrics.DeadLetters, input));

        bool FromInput(ConsumeResult<string, byte[]> record) => Header(record, DeadLetterHeaders.SourceTopic) == input;
    }

    private static string? Header<TKey, TValue>(ConsumeResult<TKey, TValue> record, string name) =>
        record.Message.Headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;
}
