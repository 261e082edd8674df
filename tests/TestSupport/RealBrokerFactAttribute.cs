using Xunit;

namespace Streams.TestSupport;

/// <summary>
/// A test of what only a real broker has (topic configurations, deleting topics, CreateTopics): skipped on the
/// embedded cluster, whose mock has none of these; runs against KAFKA_BOOTSTRAP_SERVERS or Kafka in Docker.
/// </summary>
public sealed class RealBrokerFactAttribute : FactAttribute
{
    public RealBrokerFactAttribute()
    {
        if (KafkaClusterFixture.ChooseKind() == BrokerKind.Embedded)
        {
            Skip = "Needs a real broker (topic configs, topic deletion): set KAFKA_BOOTSTRAP_SERVERS or run a Docker engine. "
                + "The embedded cluster (librdkafka's mock) has neither.";
        }
    }
}
