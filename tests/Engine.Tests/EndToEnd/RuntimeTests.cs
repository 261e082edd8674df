using Confluent.Kafka;
using Streams.Engine.Dsl;
using Streams.Engine.Runtime;
using Streams.Engine.Serialization;
using Streams.Engine.Tasks;
using Xunit.Abstractions;

namespace Streams.Engine.Tests.EndToEnd;

[Collection(KafkaCollection.Name)]
public sealed class RuntimeTests(KafkaClusterFixture kafka, ITestOutputHelper output) : EngineEndToEndTest(kafka)
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private const long T0 = TestTime.T0;

    private static Graph.Topology WindowedCount(string input, string outputTopic)
    {
        var builder = new StreamsBuilder();
        builder.Stream(input, Serdes.String, Serdes.String)
            .GroupByKey()
            .WindowedBy(TimeWindows.OfSizeWithGrace(Minute, TimeSpan.FromMinutes(10)))
            .Count(Materialized.As("counts"))
            .ToStream()
            .To(outputTopic);
        return builder.Build();
    }

    [Theory]
    [InlineData(ProcessingGuarantee.AtLeastOnce)]
    [InlineData(ProcessingGuarantee.ExactlyOnceV2)]
    public async Task A_windowed_count_over_100000_records_on_4_partitions_matches_the_expected_counts_exactly(ProcessingGuarantee guarantee)
    {
        var input = Name("events");
        var outputTopic = Name("counts");
        await Kafka.CreateTopicAsync(input, 4);
        await Kafka.CreateTopicAsync(outputTopic, 4);
        var expected = new Dictionary<(string Key, long Start), long>();
        using (var producer = Kafka.Producer(Serializers.Utf8, Serializers.Utf8))
        {
            for (var i = 0; i < 100_000; i++)
            {
                var key = $"user-{i % 1000}";
                var timestamp = T0 + (i * 7919L % 600_000);   // spread over ten one-minute windows
                producer.Produce(input, new Message<string, string> { Key = key, Value = "e", Timestamp = new Timestamp(timestamp, TimestampType.CreateTime) });
                var start = timestamp - timestamp % 60_000;
                expected[(key, start)] = expected.GetValueOrDefault((key, start)) + 1;
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        // The runtime's log goes to the test output: a run that once read nothing on a loaded real broker left no trace.
        await using var streams = new KafkaStreams(
            WindowedCount(input, outputTopic), Kafka.StreamsConfig(Name("count-app"), StateDir("a"), guarantee), Kafka.TopicAdmin, new TestOutputLoggerFactory(output, guarantee.ToString()));
        await streams.StartAsync();

        // The last update of each window carries its final count; updates of one key stay in order in one partition.
        var serde = WindowedSerdes.TimeWindowed(Serdes.String, Minute);
        var latest = new Dictionary<(string Key, long Start), long>();
        var updates = Kafka.ReadUntil(outputTopic, serde, Serdes.Int64, records =>
        {
            foreach (var record in records.Skip(latest.Count == 0 ? 0 : records.Count - 1))
            {
                latest[(record.Message.Key.Key, record.Message.Key.Window.Start)] = record.Message.Value;
            }

            return records.Count >= 100_000;
        }, TimeSpan.FromMinutes(3));
        // What the runtime saw, for a run that falls short: consumed and lag per partition tell a stalled input from
        // output that never arrived.
        output.WriteLine($"{guarantee}: {updates.Count} updates, state {streams.State}, consumed {streams.Metrics.CounterValue(TaskMetrics.RecordsConsumed, input)}, "
            + $"lags as last refreshed {string.Join(", ", streams.Lags.Where(lag => lag.Topic == input).Select(lag => $"{lag.Partition}:{lag.Records}/{lag.EndOffset}"))}");

        Assert.Equal(StreamsState.Running, streams.State);
        Assert.Equal(100_000, updates.Count);
        var final = updates.GroupBy(r => (r.Message.Key.Key, r.Message.Key.Window.Start)).ToDictionary(g => g.Key, g => g.Last().Message.Value);
        Assert.Equal(expected.Count, final.Count);
        Assert.All(expected, kv => Assert.Equal(kv.Value, final[kv.Key]));
        Assert.Equal(100_000, streams.Metrics.CounterValue(TaskMetrics.RecordsConsumed, input));

        // Caught up: every input partition reports its end offset and no lag.
        await WaitForAsync(() => streams.Lags.Count(lag => lag.Topic == input && lag.Records == 0 && lag.EndOffset > 0) == 4, TimeSpan.FromSeconds(10), "lag to reach zero");
        Assert.Equal(100_000, streams.Lags.Where(lag => lag.Topic == input).Sum(lag => lag.EndOffset));
        Assert.Contains(streams.Metrics.Histograms(), h => h.Metric == RuntimeMetrics.CommitLatency && h.Histogram.Count > 0);
    }

    [Fact]
    public async Task Under_the_fail_policy_a_poison_record_stops_the_instance_in_the_error_state_naming_the_record()
    {
        var input = Name("amounts");
        await Kafka.CreateTopicAsync(input, 1);
        var builder = new StreamsBuilder();
        builder.Stream(input, Serdes.String, Serdes.Int64).To(Name("out"), Serdes.String, Serdes.Int64);
        var config = Kafka.StreamsConfig(Name("fail-app"), StateDir("a"));
        config.DeserializationErrorPolicy = ErrorPolicy.Fail;
        await Kafka.CreateTopicAsync(Name("out"), 1);
        await using var streams = new KafkaStreams(builder.Build(), config, Kafka.TopicAdmin);
        var states = new List<StreamsState>();
        streams.StateChanged += (_, next) => { lock (states) { states.Add(next); } };
        await streams.StartAsync();

        using (var producer = Kafka.Producer(Serializers.Utf8, Serializers.ByteArray))
        {
            producer.Produce(input, new Message<string, byte[]> { Key = "poison", Value = [7] });
            producer.Flush(TimeSpan.FromSeconds(10));
        }

        await WaitForAsync(() => streams.State == StreamsState.Error, TimeSpan.FromSeconds(60), "the error state");
        Assert.Contains($"{input}[0]@0", streams.Error!.Message);
        lock (states)
        {
            Assert.Equal(StreamsState.Error, states[^1]);
        }

        Assert.True(await streams.CloseAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(StreamsState.Error, streams.State);
    }

    [Fact]
    public async Task A_poison_record_lands_in_the_dead_letter_topic_with_its_headers_while_the_records_around_it_are_processed()
    {
        var input = Name("amounts");
        var outputTopic = Name("doubled");
        var deadLetters = Name("dlq");
        await Kafka.CreateTopicAsync(input, 2);
        await Kafka.CreateTopicAsync(outputTopic, 2);
        var builder = new StreamsBuilder();
        builder.Stream(input, Serdes.String, Serdes.Int64).MapValues(amount => amount * 2).To(outputTopic, Serdes.String, Serdes.Int64);
        var config = Kafka.StreamsConfig(Name("dlq-app"), StateDir("a"));
        config.DeadLetterTopic = deadLetters;
        await using var streams = new KafkaStreams(builder.Build(), config, Kafka.TopicAdmin);
        await streams.StartAsync();

        using (var producer = Kafka.Producer(Serializers.Utf8, Serializers.ByteArray))
        {
            producer.Produce(new TopicPartition(input, 0), new Message<string, byte[]> { Key = "a", Value = Serdes.Int64.Serialize(1, default) });
            producer.Produce(new TopicPartition(input, 0), new Message<string, byte[]> { Key = "poison", Value = [1, 2, 3] });
            producer.Produce(new TopicPartition(input, 0), new Message<string, byte[]> { Key = "c", Value = Serdes.Int64.Serialize(3, default) });
            producer.Flush(TimeSpan.FromSeconds(10));
        }

        var doubled = Kafka.ReadUntil(outputTopic, Deserializers.Utf8, Serdes.Int64, records => records.Count >= 2, TimeSpan.FromSeconds(60));
        var dead = Kafka.ReadUntil(deadLetters, Deserializers.Utf8, Deserializers.ByteArray, records => records.Count >= 1, TimeSpan.FromSeconds(30));

        Assert.Equal([2L, 6L], doubled.Select(r => r.Message.Value).Order());
        var letter = Assert.Single(dead);
        Assert.Equal("poison", letter.Message.Key);
        Assert.Equal(new byte[] { 1, 2, 3 }, letter.Message.Value);
        string Header(string key) => System.Text.Encoding.UTF8.GetString(letter.Message.Headers.GetLastBytes(key));
        Assert.Equal("deserialization", Header(DeadLetterHeaders.Stage));
        Assert.Equal((input, "0", "1"), (Header(DeadLetterHeaders.SourceTopic), Header(DeadLetterHeaders.SourcePartition), Header(DeadLetterHeaders.SourceOffset)));
        Assert.Contains("8 bytes", Header(DeadLetterHeaders.ErrorMessage));
    }
}
