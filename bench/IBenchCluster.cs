using Streams.Engine.Runtime;

namespace Personalization.Bench;

/// <summary>
/// The Kafka cluster the scenarios run on: the embedded cluster in a child process (<see cref="ClusterProcess"/>), or
/// an external one (<see cref="ExternalCluster"/>, <c>--bootstrap</c>). Either creates the scenarios' topics and lets
/// the runtime create its internal ones.
/// </summary>
internal interface IBenchCluster : IDisposable
{
    /// <summary>What the results say the cluster was: <c>embedded</c> or <c>external</c>.</summary>
    string Kind { get; }

    string BootstrapServers { get; }

    ITopicAdmin TopicAdmin { get; }

    void CreateTopic(string name, int partitions);

    /// <summary>CPU the brokers used so far, where the bench can see it (the embedded cluster's process); zero otherwise.</summary>
    TimeSpan CpuTime();
}
