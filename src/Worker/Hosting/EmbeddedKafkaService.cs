using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Streams.Engine.Embedded;
using Streams.Engine.Runtime;

namespace Personalization.Worker.Hosting;

/// <summary>
/// The embedded default: starts an in-process Kafka cluster (librdkafka's mock cluster, real protocol over TCP),
/// creates every topic, and prints its bootstrap servers so any Kafka client can attach.
/// </summary>
internal sealed partial class EmbeddedKafkaService(WorkerSettings settings, KafkaConnection connection, ILogger<EmbeddedKafkaService> logger) : IHostedService
{
    private EmbeddedKafkaCluster? _cluster;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _cluster = new EmbeddedKafkaCluster();
        var topics = settings.Topics.All().Select(t => new TopicSpec(t.Name, settings.Partitions)).ToList();
        await _cluster.TopicAdmin.CreateTopicsAsync(topics, cancellationToken);
        connection.UseEmbedded(_cluster);
        LogStarted(_cluster.BootstrapServers, topics.Count, settings.Partitions);
        Console.WriteLine();
        Console.WriteLine($"  Embedded Kafka is listening on {_cluster.BootstrapServers}");
        Console.WriteLine($"  From another terminal:  kcat -b {_cluster.BootstrapServers} -L      kcat -b {_cluster.BootstrapServers} -t {settings.Topics.FraudScores} -C -f '%k %T %S bytes\\n'");
        Console.WriteLine($"  or with any Kafka client (values are Avro in the Confluent wire format; schemas in schemas/).");
        if (settings.Console.Enabled)
        {
            Console.WriteLine($"  Console (pipeline and user inspector): http://localhost:{settings.Http.Port}/console/");
        }

        Console.WriteLine($"  Metrics and health: http://localhost:{settings.Http.Port}/metrics, /healthz/ready");
        Console.WriteLine();
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _cluster?.Dispose();
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded Kafka cluster started on {BootstrapServers} with {Topics} topics of {Partitions} partitions")]
    private partial void LogStarted(string bootstrapServers, int topics, int partitions);
}
