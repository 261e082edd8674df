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
}

[CollectionDefinition(Name)]
public sealed class KafkaCollection : ICollectionFixture<KafkaClusterFixture>
{
    public const string Name = "Kafka";
}
