using Confluent.Kafka;
using Streams.Engine.Dsl;
using Streams.Engine.Queries;
using Streams.Engine.Runtime;
using Streams.Engine.Serialization;
using Streams.Engine.State;

namespace Streams.Engine.Tests.EndToEnd;

/// <summary>The end-to-end base with the engine tests' shared topology.</summary>
public abstract class EngineEndToEndTest(KafkaClusterFixture kafka) : EndToEndTest(kafka)
{
    /// <summary>Counts records per key in the store "counts" and writes each new count to <paramref name="outputTopic"/>.</summary>
    protected static Graph.Topology CountPerKey(string input, string outputTopic)
    {
        var builder = new StreamsBuilder();
        builder.Stream(input, Serdes.String, Serdes.String)
            .GroupByKey()
            .Count(Materialized.As("counts"))
            .ToStream()
            .To(outputTopic, Serdes.String, Serdes.Int64);
        return builder.Build();
    }

    /// <summary>The keys key-0 … key-<c>keys - 1</c>, as <see cref="ProduceKeyRounds"/> writes them.</summary>
    protected static IEnumerable<string> KeyNames(int keys) => Enumerable.Range(0, keys).Select(key => $"key-{key}");

    /// <summary>Writes <paramref name="rounds"/> records (value "x") for each of <see cref="KeyNames"/>, round after round.</summary>
    protected void ProduceKeyRounds(string topic, int keys, int rounds)
    {
        using var producer = Kafka.Producer(Serializers.Utf8, Serializers.Utf8);
        for (var round = 0; round < rounds; round++)
        {
            foreach (var key in KeyNames(keys))
            {
                producer.Produce(topic, new Message<string, string> { Key = key, Value = "x" });
            }
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
    }

    /// <summary>Each key's last value among <paramref name="updates"/>.</summary>
    protected static Dictionary<string, long> Latest(IEnumerable<ConsumeResult<string, long>> updates) =>
        updates.GroupBy(r => r.Message.Key).ToDictionary(g => g.Key, g => g.Last().Message.Value);

    /// <summary>A query of <paramref name="key"/>'s count in <see cref="CountPerKey"/>'s store.</summary>
    protected static Func<IQueryableStores, long?> ReadCount(string key) =>
        stores => stores.Store<IReadOnlyKeyValueStore<string, long>>("counts").TryGet(key, out var count) ? count : null;

    /// <summary><paramref name="key"/>'s count as <paramref name="streams"/> answers it locally (active tasks only).</summary>
    protected static StoreQueryResult<long?> QueryCount(KafkaStreams streams, string key) => streams.Query("counts", key, Serdes.String, ReadCount(key));

    /// <summary><paramref name="key"/>'s count where <paramref name="streams"/> hosts it, else null.</summary>
    protected static long? Count(KafkaStreams streams, string key) => QueryCount(streams, key) is { Status: QueryStatus.Answered } answer ? answer.Value : null;
}

[CollectionDefinition(Name)]
public sealed class KafkaCollection : ICollectionFixture<KafkaClusterFixture>
{
    public const string Name = "Kafka";
}
