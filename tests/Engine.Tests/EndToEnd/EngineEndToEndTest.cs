using Confluent.Kafka;
using Streams.Engine.Dsl;
using Streams.Engine.Serialization;

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

    /// <summary>Writes <paramref name="rounds"/> records (value "x") for each of the keys key-0 … key-<c>keys - 1</c>, round after round.</summary>
    protected void ProduceKeyRounds(string topic, int keys, int rounds)
    {
        using var producer = Kafka.Producer(Serializers.Utf8, Serializers.Utf8);
        for (var round = 0; round < rounds; round++)
        {
            for (var key = 0; key < keys; key++)
            {
                producer.Produce(topic, new Message<string, string> { Key = $"key-{key}", Value = "x" });
            }
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
    }
}

[CollectionDefinition(Name)]
public sealed class KafkaCollection : ICollectionFixture<KafkaClusterFixture>
{
    public const string Name = "Kafka";
}
