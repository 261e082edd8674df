using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Streams.Engine.Runtime;

/// <summary>Topic administration on a real cluster through the Kafka Admin API.</summary>
public sealed class KafkaTopicAdmin : ITopicAdmin, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly IAdminClient _admin;

    /// <param name="clientConfig">bootstrap.servers plus any security settings, as librdkafka keys.</param>
    public KafkaTopicAdmin(IEnumerable<KeyValuePair<string, string>> clientConfig)
    {
        _admin = new AdminClientBuilder(clientConfig).Build();
    }

    public Task<IReadOnlyDictionary<string, int>> PartitionCountsAsync(IEnumerable<string> topics, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, int>();
        foreach (var topic in topics)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var metadata = _admin.GetMetadata(topic, Timeout).Topics.FirstOrDefault(t => t.Topic == topic);
            if (metadata is not null && metadata.Error.Code == ErrorCode.NoError && metadata.Partitions.Count > 0)
            {
                counts[topic] = metadata.Partitions.Count;
            }
        }

        return Task.FromResult<IReadOnlyDictionary<string, int>>(counts);
    }

    public async Task CreateTopicsAsync(IEnumerable<TopicSpec> topics, CancellationToken cancellationToken)
    {
        // Only what is missing: pre-created topics then need no create permission (nor a CreateTopics API).
        var wanted = topics.ToList();
        var existing = await PartitionCountsAsync(wanted.Select(topic => topic.Name), cancellationToken).ConfigureAwait(false);
        var specifications = wanted.Where(topic => !existing.ContainsKey(topic.Name)).Select(topic => new TopicSpecification
        {
            Name = topic.Name,
            NumPartitions = topic.Partitions,
            ReplicationFactor = topic.ReplicationFactor,
            Configs = topic.Config?.ToDictionary(kv => kv.Key, kv => kv.Value),
        }).ToList();
        if (specifications.Count == 0)
        {
            return;
        }

        try
        {
            await _admin.CreateTopicsAsync(specifications, new CreateTopicsOptions { RequestTimeout = Timeout }).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (CreateTopicsException e) when (e.Results.All(result => result.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            // Some already existed (another instance made them first): that is the state we want.
        }
    }

    public void Dispose() => _admin.Dispose();
}
