using Streams.Engine.Embedded;
using Streams.Engine.Runtime;

namespace Personalization.Worker.Hosting;

/// <summary>
/// The cluster the worker talks to: the configured one, or the embedded one once <see cref="EmbeddedKafkaService"/>
/// has started it. Services started after it read the bootstrap servers and the topic admin from here.
/// </summary>
internal sealed class KafkaConnection(WorkerSettings settings)
{
    public string BootstrapServers { get; private set; } = settings.Kafka.BootstrapServers ?? "";

    /// <summary>The embedded cluster's topic admin; null for a real cluster (the engine uses the Kafka admin API).</summary>
    public ITopicAdmin? TopicAdmin { get; private set; }

    public EmbeddedKafkaCluster? Embedded { get; private set; }

    public void UseEmbedded(EmbeddedKafkaCluster cluster)
    {
        Embedded = cluster;
        BootstrapServers = cluster.BootstrapServers;
        TopicAdmin = cluster.TopicAdmin;
    }
}
