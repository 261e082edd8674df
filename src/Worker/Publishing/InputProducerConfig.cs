using Confluent.Kafka;

namespace Personalization.Worker.Publishing;

/// <summary>How the worker's own producers to its input topics are configured (the demo generator, the console's forget).</summary>
internal static class InputProducerConfig
{
    public static ProducerConfig For(string bootstrapServers, IReadOnlyDictionary<string, string>? clientConfig) =>
        new(clientConfig?.ToDictionary() ?? [])
        {
            BootstrapServers = bootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            // murmur2 of the key, as Java clients and the worker's own producers partition: the worker's tasks own a
            // user's state by partition, so every producer to its input topics must place a user alike.
            Partitioner = Partitioner.Murmur2Random,
            // A missing topic is an error to report, not one for the broker to create with its default partitions.
            AllowAutoCreateTopics = false,
        };
}
