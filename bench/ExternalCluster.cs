using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Streams.Engine.Runtime;

namespace Personalization.Bench;

/// <summary>
/// A cluster the bench does not run (<c>--bootstrap host:port</c>), such as a real broker: topics are created through
/// the Admin API, replication factor 1 unless the broker says otherwise, and on dispose every topic the run made is
/// deleted, its own and the runtime's internal ones (named after the bench's application ids, <c>bench-…</c>), and
/// the run waits until the cluster no longer lists them: a broker deletes topics in the background, and a run started
/// before it has finished would find the same names still being deleted and could not create them.
/// </summary>
internal sealed class ExternalCluster : IBenchCluster
{
    private static readonly TimeSpan DeletionWait = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan DeletionPoll = TimeSpan.FromSeconds(1);
    private readonly KafkaTopicAdmin _admin;
    private readonly HashSet<string> _created = [];

    public ExternalCluster(string bootstrapServers)
    {
        BootstrapServers = bootstrapServers;
        _admin = new KafkaTopicAdmin([new KeyValuePair<string, string>("bootstrap.servers", bootstrapServers)]);
    }

    public string Kind => "external";

    public string BootstrapServers { get; }

    public ITopicAdmin TopicAdmin => _admin;

    public void CreateTopic(string name, int partitions)
    {
        lock (_created)
        {
            if (!_created.Add(name))
            {
                return;
            }
        }

        _admin.CreateTopicsAsync([new TopicSpec(name, partitions)], CancellationToken.None).GetAwaiter().GetResult();
    }

    public TimeSpan CpuTime() => TimeSpan.Zero;

    public void Dispose()
    {
        using var client = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        var topics = client.GetMetadata(TimeSpan.FromSeconds(30)).Topics.Select(t => t.Topic)
            .Where(topic => _created.Contains(topic) || topic.StartsWith("bench-", StringComparison.Ordinal)).ToList();
        if (topics.Count > 0)
        {
            try
            {
                client.DeleteTopicsAsync(topics).GetAwaiter().GetResult();
            }
            catch (DeleteTopicsException e)
            {
                Console.Error.WriteLine($"Could not delete every topic of the run: {string.Join(", ", e.Results.Where(r => r.Error.IsError).Select(r => $"{r.Topic} ({r.Error.Reason})"))}");
            }

            var deleting = topics.ToHashSet();
            for (var waited = TimeSpan.Zero; waited < DeletionWait; waited += DeletionPoll)
            {
                deleting.IntersectWith(client.GetMetadata(TimeSpan.FromSeconds(30)).Topics.Select(t => t.Topic));
                if (deleting.Count == 0)
                {
                    break;
                }

                Thread.Sleep(DeletionPoll);
            }

            if (deleting.Count > 0)
            {
                Console.Error.WriteLine($"{deleting.Count} topics of the run were still listed {DeletionWait.TotalSeconds:0} s after their deletion; a run started now may not be able to create them");
            }
        }

        _admin.Dispose();
    }
}
