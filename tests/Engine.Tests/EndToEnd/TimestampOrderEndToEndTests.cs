using System.Globalization;
using Confluent.Kafka;
using Streams.Engine.Dsl;
using Streams.Engine.Runtime;
using Streams.Engine.Serialization;
using Xunit.Abstractions;

namespace Streams.Engine.Tests.EndToEnd;

[Collection(KafkaCollection.Name)]
public sealed class TimestampOrderEndToEndTests(KafkaClusterFixture kafka, ITestOutputHelper output) : EngineEndToEndTest(kafka)
{
    private const int Items = 40;
    private const int PriceChanges = 25;
    private static readonly long Step = (long)TimeSpan.FromSeconds(10).TotalMilliseconds;

    /// <summary>
    /// A backlog of price changes and orders, the prices written first: the consumer fetches the whole price history
    /// before most orders, yet each order must meet the price in force at its own time, because a task takes its
    /// partitions' records in timestamp order.
    /// </summary>
    [Theory]
    [InlineData(ProcessingGuarantee.AtLeastOnce)]
    [InlineData(ProcessingGuarantee.ExactlyOnceV2)]
    public async Task Orders_in_a_backlog_join_the_price_in_force_at_their_own_time_not_the_latest_one_fetched(ProcessingGuarantee guarantee)
    {
        var prices = Name("prices");
        var orders = Name("orders");
        var priced = Name("priced");
        await Kafka.CreateTopicAsync(prices, 2);
        await Kafka.CreateTopicAsync(orders, 2);
        await Kafka.CreateTopicAsync(priced, 2);
        var builder = new StreamsBuilder();
        var priceTable = builder.Table(prices, Serdes.String, Serdes.Int64, Materialized.As("prices"));
        builder.Stream(orders, Serdes.String, Serdes.String)
            .Join(priceTable, (order, price) => $"{order}={price}", "priced")
            .To(priced, Serdes.String, Serdes.String);

        var t0 = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
        using (var producer = Kafka.Producer(Serializers.Utf8, Serializers.Int64))
        {
            for (var change = 0; change < PriceChanges; change++)
            {
                for (var item = 0; item < Items; item++)
                {
                    var at = new Timestamp(t0 + change * Step, TimestampType.CreateTime);
                    producer.Produce(prices, new Message<string, long> { Key = $"item-{item}", Value = PriceAt(item, change), Timestamp = at });
                }
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        var expected = new Dictionary<string, long>();
        using (var producer = Kafka.Producer(Serializers.Utf8, Serializers.Utf8))
        {
            for (var change = 0; change < PriceChanges; change++)
            {
                for (var i = 0; i < 100; i++)
                {
                    var item = (change * 100 + i) % Items;
                    var order = $"order-{change}-{i}";
                    var timestamp = t0 + change * Step + 1 + i * (Step - 2) / 100;
                    producer.Produce(orders, new Message<string, string> { Key = $"item-{item}", Value = order, Timestamp = new Timestamp(timestamp, TimestampType.CreateTime) });
                    expected[order] = PriceAt(item, change);
                }
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        var config = Kafka.StreamsConfig(Name("ordered-app"), StateDir("a"), guarantee);
        await using var streams = new KafkaStreams(builder.Build(), config, Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "a"));
        await streams.StartAsync();

        var joined = new Dictionary<string, long>();
        foreach (var record in Kafka.ReadUntil(priced, Deserializers.Utf8, Deserializers.Utf8, records => records.Count >= expected.Count, TimeSpan.FromSeconds(90)))
        {
            var parts = record.Message.Value.Split('=');
            joined[parts[0]] = long.Parse(parts[1], CultureInfo.InvariantCulture);
        }

        var wrong = expected.Where(kv => joined.GetValueOrDefault(kv.Key, -1) != kv.Value).Select(kv => $"{kv.Key}: {joined.GetValueOrDefault(kv.Key, -1)} not {kv.Value}").ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {expected.Count} orders met another price, e.g. {string.Join("; ", wrong.Take(5))}");
        Assert.Equal(StreamsState.Running, streams.State);
    }

    private static long PriceAt(int item, int change) => (item + 1) * 1_000 + change;
}
