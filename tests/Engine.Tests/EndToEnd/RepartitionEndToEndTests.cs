using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Streams.Engine.Dsl;
using Streams.Engine.Runtime;
using Streams.Engine.Serialization;
using Xunit.Abstractions;

namespace Streams.Engine.Tests.EndToEnd;

[Collection(KafkaCollection.Name)]
public sealed class RepartitionEndToEndTests(KafkaClusterFixture kafka, ITestOutputHelper output) : EngineEndToEndTest(kafka)
{
    /// <summary>
    /// Users' views (keyed by user, 4 partitions) are re-keyed by item to meet the price table (2 partitions), and the
    /// priced views are re-keyed back by user to be summed next to the views: two sub-topologies that feed each other.
    /// Once done, no partition shows lag, the repartition topics included (under exactly-once each transaction ends
    /// with a marker the consumer steps over).
    /// </summary>
    [Theory]
    [InlineData(ProcessingGuarantee.AtLeastOnce)]
    [InlineData(ProcessingGuarantee.ExactlyOnceV2)]
    public async Task A_stream_rekeyed_onto_a_table_of_another_partition_count_and_back_is_joined_and_summed_per_user_exactly(ProcessingGuarantee guarantee)
    {
        var views = Name("views");
        var prices = Name("prices");
        var totals = Name("totals");
        await Kafka.CreateTopicAsync(views, 4);
        await Kafka.CreateTopicAsync(prices, 2);
        await Kafka.CreateTopicAsync(totals, 4);
        var builder = new StreamsBuilder();
        var priceTable = builder.Table(prices, Serdes.String, Serdes.Int64, Materialized.As("prices"));
        var viewStream = builder.Stream(views, Serdes.String, Serdes.String);
        var priced = viewStream
            .Map((user, item) => (item, user))
            .Repartition(Grouped.With(Serdes.String, Serdes.String, "by-item"))
            .Join(priceTable, (user, price) => $"{user}:{price}", "priced")
            .Map((_, userAndPrice) => (userAndPrice.Split(':')[0], long.Parse(userAndPrice.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture)))
            .Repartition(Grouped.With(Serdes.String, Serdes.Int64, "by-user"));
        viewStream.MapValues(_ => 0L).Merge(priced)
            .GroupByKey(Grouped.With(Serdes.String, Serdes.Int64))
            .Reduce((sum, price) => sum + price, Materialized.As("totals"))
            .ToStream()
            .To(totals, Serdes.String, Serdes.Int64);

        var t0 = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeMilliseconds();
        using (var producer = Kafka.Producer(Serializers.Utf8, Serializers.Int64))
        {
            for (var item = 0; item < 20; item++)
            {
                producer.Produce(prices, new Message<string, long> { Key = $"item-{item}", Value = item + 1, Timestamp = new Timestamp(t0, TimestampType.CreateTime) });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        var expected = new Dictionary<string, long>();
        using (var producer = Kafka.Producer(Serializers.Utf8, Serializers.Utf8))
        {
            for (var i = 0; i < 2_000; i++)
            {
                var user = $"user-{i % 50}";
                var item = i * 7 % 20;
                producer.Produce(views, new Message<string, string> { Key = user, Value = $"item-{item}", Timestamp = new Timestamp(t0 + 1_000 + i, TimestampType.CreateTime) });
                expected[user] = expected.GetValueOrDefault(user) + item + 1;
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        var application = Name("rekey-app");
        await using var streams = new KafkaStreams(builder.Build(), Kafka.StreamsConfig(application, StateDir("a"), guarantee), Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "a"));
        await streams.StartAsync();
        var counts = await Kafka.TopicAdmin.PartitionCountsAsync([$"{application}-by-item-repartition", $"{application}-by-user-repartition"], CancellationToken.None);
        Assert.Equal(2, counts[$"{application}-by-item-repartition"]);
        Assert.Equal(4, counts[$"{application}-by-user-repartition"]);

        Assert.Equal(expected.OrderBy(kv => kv.Key), ReadLatestUntil(totals, expected).OrderBy(kv => kv.Key));
        Assert.Equal(StreamsState.Running, streams.State);
        await WaitForAsync(() => streams.Lags.Count == 12 && streams.Lags.All(lag => lag.Records == 0), TimeSpan.FromSeconds(30), "no lag on any partition");
    }

    /// <summary>
    /// Events from 2023, far beyond any broker's default time retention, are re-keyed through a repartition topic and
    /// counted. The repartition topic keeps records without a time limit, so the broker's retention check cannot delete
    /// the backlog before the counting sub-topology reads it; what the commits covered is purged instead. The embedded
    /// cluster has neither DeleteRecords nor DescribeConfigs: there the run must simply not suffer from the missing purge.
    /// </summary>
    [Fact]
    public async Task Old_events_pass_through_a_repartition_topic_kept_without_time_limit_that_is_purged_up_to_the_commits()
    {
        var views = Name("old-views");
        var counts = Name("item-counts");
        await Kafka.CreateTopicAsync(views, 3);
        await Kafka.CreateTopicAsync(counts, 2);
        var builder = new StreamsBuilder();
        builder.Stream(views, Serdes.String, Serdes.String)
            .SelectKey((_, item) => item)
            .GroupByKey(Grouped.With(Serdes.String, Serdes.String, "by-item"))
            .Count(Materialized.As("item-counts"))
            .ToStream()
            .To(counts, Serdes.String, Serdes.Int64);

        var expected = new Dictionary<string, long>();
        using (var producer = Kafka.Producer(Serializers.Utf8, Serializers.Utf8))
        {
            for (var i = 0; i < 3_000; i++)
            {
                var item = $"item-{i * 13 % 40}";
                producer.Produce(views, new Message<string, string> { Key = $"user-{i % 70}", Value = item, Timestamp = new Timestamp(TestTime.At(i), TimestampType.CreateTime) });
                expected[item] = expected.GetValueOrDefault(item) + 1;
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        var application = Name("purge-app");
        var config = Kafka.StreamsConfig(application, StateDir("a"));
        config.RepartitionPurgeIntervalMs = 300;
        await using var streams = new KafkaStreams(builder.Build(), config, Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "purge"));
        await streams.StartAsync();

        Assert.Equal(expected.OrderBy(kv => kv.Key), ReadLatestUntil(counts, expected).OrderBy(kv => kv.Key));
        Assert.Equal(StreamsState.Running, streams.State);

        var repartition = $"{application}-by-item-repartition";
        var partitionCount = (await Kafka.TopicAdmin.PartitionCountsAsync([repartition], CancellationToken.None))[repartition];
        var partitions = Enumerable.Range(0, partitionCount).Select(p => new TopicPartition(repartition, p)).ToList();
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = Kafka.BootstrapServers, GroupId = Name("watermarks") }).Build();
        var watermarks = () => partitions.Select(p => consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10))).ToList();
        Assert.Equal(3_000, watermarks().Sum(w => w.High.Value));
        if (!Kafka.DeletesRecords)
        {
            await WaitForAsync(() => streams.Lags.Count == 3 + partitionCount && streams.Lags.All(lag => lag.Records == 0), TimeSpan.FromSeconds(30), "no lag on any partition");
            Assert.All(watermarks(), w => Assert.Equal(0, w.Low.Value));
            return;
        }

        // Every record was processed and committed, so the purge reaches the end of each partition.
        await WaitForAsync(() => watermarks().All(w => w.Low.Value == w.High.Value), TimeSpan.FromSeconds(30), "the repartition topic to be purged to its end");
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Kafka.BootstrapServers }).Build();
        var described = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = repartition }]);
        Assert.Equal("-1", described.Single().Entries["retention.ms"].Value);
        Assert.Equal("delete", described.Single().Entries["cleanup.policy"].Value);
    }

    /// <summary>Each key's latest value on <paramref name="topic"/>, read until they all equal <paramref name="expected"/> or 90 s pass.</summary>
    private Dictionary<string, long> ReadLatestUntil(string topic, Dictionary<string, long> expected)
    {
        var latest = new Dictionary<string, long>();
        Kafka.ReadUntil(topic, Deserializers.Utf8, Deserializers.Int64, records =>
        {
            foreach (var record in records.Skip(records.Count - 1))
            {
                latest[record.Message.Key] = record.Message.Value;
            }

            return expected.All(kv => latest.GetValueOrDefault(kv.Key) == kv.Value);
        }, TimeSpan.FromSeconds(90));
        return latest;
    }
}
