using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Streams.Engine.Runtime;
using Xunit.Abstractions;

namespace Streams.Engine.Tests.EndToEnd;

/// <summary>
/// The reader restoration takes changelogs with, on a broker: the records of a range and nothing past it, tombstones,
/// transaction markers, its settings and its log lines. Restoring stores through it is tested with the runtime.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class ChangelogReaderTests(KafkaClusterFixture kafka, ITestOutputHelper output) : EngineEndToEndTest(kafka)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_range_is_read_in_batches_with_its_tombstones_and_nothing_from_its_end_on_and_the_client_logs_into_the_logger()
    {
        var changelog = new TopicPartition(Name("changelog"), 0);
        await Kafka.CreateTopicAsync(changelog.Topic, 1);
        using (var producer = Kafka.Producer(Serializers.Utf8, Serializers.Utf8))
        {
            for (var i = 0; i < 10; i++)
            {
                producer.Produce(changelog, new Message<string, string> { Key = $"k{i}", Value = i == 3 ? null! : $"v{i}" });
            }

            Assert.Equal(0, producer.Flush(Timeout));
        }

        var logger = new CollectingLogger();
        var settings = StreamsClientSettings.RestoreConsumer(Config(ProcessingGuarantee.AtLeastOnce, debug: true), "thread-0");
        using var reader = new KafkaChangelogReader(settings, logger);
        var watermarks = reader.QueryWatermarkOffsets(changelog, Timeout);
        Assert.Equal((0, 10), (watermarks.Low.Value, watermarks.High.Value));

        reader.Start(changelog, 2);
        var batch = ReadTo(reader, until: 8, max: 4);

        Assert.Equal(["k2", "k3", "k4", "k5", "k6", "k7"], batch.Select(r => Encoding.UTF8.GetString(r.Key)));
        Assert.Null(batch[1].Value);
        Assert.Equal("v7", Encoding.UTF8.GetString(batch[^1].Value!));
        Assert.Equal((7, 8), (reader.LastRecordOffset, reader.Position));
        Assert.Equal(0, reader.Read(batch, max: 100, until: 8, TimeSpan.FromMilliseconds(200)));
        reader.Stop();
        Assert.Contains(logger.Snapshot(), line => line.Message.StartsWith("librdkafka thread-0-restore-consumer", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_changelog_ending_in_a_transaction_marker_is_read_to_its_end_offset()
    {
        var changelog = new TopicPartition(Name("changelog"), 0);
        await Kafka.CreateTopicAsync(changelog.Topic, 1);
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = Kafka.BootstrapServers, TransactionalId = Name("writer") }).Build())
        {
            producer.InitTransactions(Timeout);
            producer.BeginTransaction();
            for (var i = 0; i < 5; i++)
            {
                producer.Produce(changelog, new Message<string, string> { Key = $"k{i}", Value = "v" });
            }

            producer.CommitTransaction(Timeout);
        }

        using var reader = new KafkaChangelogReader(StreamsClientSettings.RestoreConsumer(Config(ProcessingGuarantee.ExactlyOnceV2), "thread-0"), NullLogger());
        var end = reader.QueryWatermarkOffsets(changelog, Timeout).High.Value;
        output.WriteLine($"end offset {end} after 5 records in one transaction");
        reader.Start(changelog, 0);
        var batch = ReadTo(reader, until: end, max: 1000);

        Assert.Equal(5, batch.Count);
        Assert.Equal(4, reader.LastRecordOffset);
        Assert.Equal(end, reader.Position);
    }

    [Fact]
    public async Task A_partition_fetched_ahead_is_read_whole_once_started_and_one_replaced_while_ahead_is_read_from_its_own_offset()
    {
        var topic = Name("changelog");
        await Kafka.CreateTopicAsync(topic, 3);
        using (var producer = Kafka.Producer(Serializers.Utf8, Serializers.Utf8))
        {
            for (var partition = 0; partition < 3; partition++)
            {
                for (var i = 0; i < 50; i++)
                {
                    producer.Produce(new TopicPartition(topic, partition), new Message<string, string> { Key = $"p{partition}-k{i}", Value = "v" });
                }
            }

            Assert.Equal(0, producer.Flush(Timeout));
        }

        using var reader = new KafkaChangelogReader(StreamsClientSettings.RestoreConsumer(Config(ProcessingGuarantee.AtLeastOnce), "thread-0"), NullLogger());
        reader.Start(new TopicPartition(topic, 0), 0);
        reader.Prefetch(new TopicPartition(topic, 1), 10);
        Assert.Equal(50, ReadTo(reader, until: 50, max: 1000).Count);
        reader.Stop();

        reader.Start(new TopicPartition(topic, 1), 10);
        reader.Prefetch(new TopicPartition(topic, 2), 0);
        reader.Prefetch(new TopicPartition(topic, 0), 45);
        var second = ReadTo(reader, until: 50, max: 1000);
        reader.Stop();
        reader.Start(new TopicPartition(topic, 0), 45);
        var third = ReadTo(reader, until: 50, max: 1000);

        Assert.Equal(Enumerable.Range(10, 40).Select(i => $"p1-k{i}"), second.Select(r => Encoding.UTF8.GetString(r.Key)));
        Assert.Equal(Enumerable.Range(45, 5).Select(i => $"p0-k{i}"), third.Select(r => Encoding.UTF8.GetString(r.Key)));
    }

    [Fact]
    public async Task Watermarks_listed_for_many_partitions_at_once_are_those_each_partition_reports_alone()
    {
        var plain = Name("changelog");
        var transactional = Name("changelog-txn");
        await Kafka.CreateTopicAsync(plain, 3);
        await Kafka.CreateTopicAsync(transactional, 1);
        using (var producer = Kafka.Producer(Serializers.Utf8, Serializers.Utf8))
        {
            for (var i = 0; i < 7; i++)
            {
                producer.Produce(new TopicPartition(plain, 0), new Message<string, string> { Key = $"k{i}", Value = "v" });
                producer.Produce(new TopicPartition(plain, 2), new Message<string, string> { Key = $"k{i}", Value = "v" });
            }

            Assert.Equal(0, producer.Flush(Timeout));
        }

        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = Kafka.BootstrapServers, TransactionalId = Name("writer") }).Build())
        {
            producer.InitTransactions(Timeout);
            producer.BeginTransaction();
            producer.Produce(new TopicPartition(transactional, 0), new Message<string, string> { Key = "k", Value = "v" });
            producer.CommitTransaction(Timeout);
        }

        using var reader = new KafkaChangelogReader(StreamsClientSettings.RestoreConsumer(Config(ProcessingGuarantee.ExactlyOnceV2), "thread-0"), NullLogger());
        TopicPartition[] partitions = [new(plain, 0), new(plain, 1), new(plain, 2), new(transactional, 0)];
        var together = reader.QueryWatermarkOffsets(partitions, Timeout);

        var alone = partitions.ToDictionary(p => p, p => reader.QueryWatermarkOffsets(p, Timeout));
        Assert.Equal(partitions.Select(p => (alone[p].Low.Value, alone[p].High.Value)), partitions.Select(p => (together[p].Low.Value, together[p].High.Value)));
        Assert.Equal((7, 0, 7), (together[partitions[0]].High.Value, together[partitions[1]].High.Value, together[partitions[2]].High.Value));
        Assert.True(together[partitions[3]].High.Value >= 1, "the transactional partition's end covers its committed record");
    }

    [Fact]
    public void A_client_setting_librdkafka_refuses_stops_the_reader_with_the_setting_named()
    {
        var settings = new ConsumerConfig { BootstrapServers = Kafka.BootstrapServers };
        settings.Set("fetch.wait.max.ms", "soon");

        var error = Assert.Throws<ArgumentException>(() => new KafkaChangelogReader(settings, NullLogger()));

        Assert.Contains("'fetch.wait.max.ms'", error.Message, StringComparison.Ordinal);
    }

    private StreamsConfig Config(ProcessingGuarantee guarantee, bool debug = false)
    {
        var config = Kafka.StreamsConfig(Name("app"), StateDir("a"), guarantee);
        if (debug)
        {
            config.ClientConfig["debug"] = "fetch";
        }

        return config;
    }

    private static List<KeyValuePair<byte[], byte[]?>> ReadTo(KafkaChangelogReader reader, long until, int max)
    {
        var batch = new List<KeyValuePair<byte[], byte[]?>>();
        var clock = Stopwatch.StartNew();
        while (reader.Position < until && clock.Elapsed < Timeout)
        {
            var read = reader.Read(batch, max, until, TimeSpan.FromMilliseconds(100));
            Assert.InRange(read, 0, max);
        }

        return batch;
    }

    private static ILogger NullLogger() => Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
}
