using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Streams.Engine.Dsl;
using Streams.Engine.Runtime;
using Streams.Engine.Serialization;
using Xunit.Abstractions;

namespace Streams.Engine.Tests.EndToEnd;

/// <summary>
/// What the runtime's producer writes, read back by a plain consumer: every record as the topology emitted it, and a
/// delivery the broker refuses stopping the thread before anything after it is marked consumed.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class ProducerEndToEndTests(KafkaClusterFixture kafka, ITestOutputHelper output) : EngineEndToEndTest(kafka)
{
    private const short Produce = 0;

    [Theory]
    [InlineData(ProcessingGuarantee.AtLeastOnce)]
    [InlineData(ProcessingGuarantee.ExactlyOnceV2)]
    public async Task Records_arrive_as_emitted_with_null_and_empty_keys_and_values_their_timestamps_and_headers_apart(ProcessingGuarantee guarantee)
    {
        var input = Name("in");
        var outputTopic = Name("out");
        await Kafka.CreateTopicAsync(input, 1);
        await Kafka.CreateTopicAsync(outputTopic, 1);
        var builder = new StreamsBuilder();
        builder.Stream(input, Serdes.ByteArray, Serdes.ByteArray).To(outputTopic, Serdes.ByteArray, Serdes.ByteArray);
        await using var streams = new KafkaStreams(
            builder.Build(), Kafka.StreamsConfig(Name("fidelity-app"), StateDir("a"), guarantee), Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "a"));
        await streams.StartAsync();

        var headers = new Headers { { "trace", Encoding.UTF8.GetBytes("00-abc-01") }, { "empty", [] }, { "none", null } };
        (byte[]? Key, byte[]? Value, long Timestamp)[] sent =
        [
            ("k"u8.ToArray(), "v"u8.ToArray(), 1_700_000_000_001),
            (null, "v"u8.ToArray(), 1_700_000_000_002),
            ([], "v"u8.ToArray(), 1_700_000_000_003),
            ("k"u8.ToArray(), null, 1_700_000_000_004),
            ("k"u8.ToArray(), [], 1_700_000_000_005),
        ];
        using (var producer = Kafka.Producer(Serializers.ByteArray, Serializers.ByteArray))
        {
            foreach (var (key, value, timestamp) in sent)
            {
                producer.Produce(input, new Message<byte[], byte[]> { Key = key!, Value = value!, Timestamp = new Timestamp(timestamp, TimestampType.CreateTime), Headers = headers });
            }

            producer.Flush(TimeSpan.FromSeconds(10));
        }

        var received = Kafka.ReadUntil(outputTopic, Deserializers.ByteArray, Deserializers.ByteArray, records => records.Count >= sent.Length, TimeSpan.FromSeconds(60));

        Assert.Equal(sent.Length, received.Count);
        for (var i = 0; i < sent.Length; i++)
        {
            var message = received[i].Message;
            Assert.Equal(sent[i].Key, message.Key);
            Assert.Equal(sent[i].Value, message.Value);
            Assert.Equal(sent[i].Timestamp, message.Timestamp.UnixTimestampMs);
            Assert.Equal(TimestampType.CreateTime, message.Timestamp.Type);
            Assert.Equal(["trace", "empty", "none"], message.Headers.Select(header => header.Key));
            Assert.Equal("00-abc-01", Encoding.UTF8.GetString(message.Headers[0].GetValueBytes()));
            Assert.Equal([], message.Headers[1].GetValueBytes());
            Assert.Null(message.Headers[2].GetValueBytes());
        }
    }

    /// <summary>
    /// The broker refuses the output (TOPIC_AUTHORIZATION_FAILED, a permanent error): the thread stops in the error state
    /// naming the topic and the broker's reason, and the input's offsets are not committed, so a fixed instance would
    /// process the records again rather than lose them.
    /// </summary>
    [InjectedFaultsFact]
    public async Task A_delivery_the_broker_refuses_stops_the_instance_naming_the_topic_and_commits_no_input_offset()
    {
        var input = Name("in");
        var outputTopic = Name("out");
        await Kafka.CreateTopicAsync(input, 1);
        await Kafka.CreateTopicAsync(outputTopic, 1);
        using (var producer = Kafka.Producer(Serializers.Utf8, Serializers.Utf8))
        {
            for (var i = 0; i < 10; i++)
            {
                producer.Produce(input, new Message<string, string> { Key = $"key-{i}", Value = "v" });
            }

            producer.Flush(TimeSpan.FromSeconds(10));
        }

        // The next produce request to reach the cluster is the instance's, as its input is already written. One error only:
        // an error left queued would fail the next test's produce request instead.
        Kafka.InjectRequestErrors(Produce, ErrorCode.TopicAuthorizationFailed);
        var builder = new StreamsBuilder();
        builder.Stream(input, Serdes.String, Serdes.String).To(outputTopic, Serdes.String, Serdes.String);
        var application = Name("refused-app");
        await using var streams = new KafkaStreams(
            builder.Build(), Kafka.StreamsConfig(application, StateDir("a")), Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "a"));
        await streams.StartAsync();

        await WaitForAsync(() => streams.State == StreamsState.Error, TimeSpan.FromSeconds(60), "the error state");
        Assert.Contains("could not be produced", streams.Error!.Message, StringComparison.Ordinal);
        Assert.Contains($"{outputTopic} [0]", streams.Error.Message, StringComparison.Ordinal);
        Assert.Contains("authoriz", streams.Error.Message, StringComparison.OrdinalIgnoreCase);

        using var reader = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = Kafka.BootstrapServers, GroupId = application }).Build();
        var committed = Assert.Single(reader.Committed([new TopicPartition(input, 0)], TimeSpan.FromSeconds(10)));
        Assert.Equal(Offset.Unset, committed.Offset);
    }

    /// <summary>
    /// A producer queue far smaller than one burst of records: the thread itself serves the delivery reports that make
    /// room, so a full queue slows it down rather than stalling it, and every record still arrives, in order.
    /// </summary>
    [Theory]
    [InlineData(ProcessingGuarantee.AtLeastOnce)]
    [InlineData(ProcessingGuarantee.ExactlyOnceV2)]
    public async Task A_producer_queue_smaller_than_a_burst_slows_the_thread_without_stalling_it_or_losing_a_record(ProcessingGuarantee guarantee)
    {
        const int Records = 2_000;
        var input = Name("in");
        var outputTopic = Name("out");
        await Kafka.CreateTopicAsync(input, 1);
        await Kafka.CreateTopicAsync(outputTopic, 1);
        using (var producer = Kafka.Producer(Serializers.Utf8, Serializers.Utf8))
        {
            for (var i = 0; i < Records; i++)
            {
                producer.Produce(input, new Message<string, string> { Key = $"key-{i % 7}", Value = i.ToString(CultureInfo.InvariantCulture) });
            }

            producer.Flush(TimeSpan.FromSeconds(10));
        }

        var config = Kafka.StreamsConfig(Name("small-queue-app"), StateDir("a"), guarantee);
        config.ClientConfig["queue.buffering.max.messages"] = "4";
        // Without lingering: a queue of four would otherwise wait out the linger for every four records.
        config.ClientConfig["linger.ms"] = "0";
        var builder = new StreamsBuilder();
        builder.Stream(input, Serdes.String, Serdes.String).To(outputTopic, Serdes.String, Serdes.String);
        await using var streams = new KafkaStreams(builder.Build(), config, Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "a"));
        await streams.StartAsync();

        var received = Kafka.ReadUntil(outputTopic, Deserializers.Utf8, Deserializers.Utf8, records => records.Count >= Records, TimeSpan.FromSeconds(90));

        Assert.Equal(StreamsState.Running, streams.State);
        Assert.Equal(Enumerable.Range(0, Records).Select(i => i.ToString(CultureInfo.InvariantCulture)), received.Select(r => r.Message.Value));
    }
}
