using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;

namespace Streams.Engine.Runtime;

/// <summary>
/// Topic administration on a real cluster through the Kafka Admin API. Topics are looked at through a metadata request
/// for all topics, which no broker answers by creating one (a request that names a missing topic does, where
/// <c>auto.create.topics.enable</c> is on, with the broker's default partitions and no configs).
/// </summary>
public sealed class KafkaTopicAdmin : ITopicAdmin, IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);
    private readonly IAdminClient _admin;
    private readonly TimeSpan _visibilityTimeout;
    private int _disposed;

    /// <param name="clientConfig">bootstrap.servers plus any security settings, as librdkafka keys.</param>
    /// <param name="visibilityTimeout">How long created topics may take to appear in the cluster's metadata (default 30 s).</param>
    /// <param name="logger">Where the admin client's librdkafka log lines go; without one librdkafka writes them to stderr.</param>
    public KafkaTopicAdmin(IEnumerable<KeyValuePair<string, string>> clientConfig, TimeSpan? visibilityTimeout = null, ILogger? logger = null)
    {
        var builder = new AdminClientBuilder(clientConfig);
        if (logger is not null)
        {
            builder.SetLogHandler(KafkaClientLog.To(logger));
        }

        _admin = builder.Build();
        _visibilityTimeout = visibilityTimeout ?? TimeSpan.FromSeconds(30);
    }

    public Task<IReadOnlyDictionary<string, int>> PartitionCountsAsync(IEnumerable<string> topics, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var wanted = new HashSet<string>(topics, StringComparer.Ordinal);
        var counts = new Dictionary<string, int>();
        foreach (var topic in DescribeAll())
        {
            if (wanted.Contains(topic.Topic) && topic.Error.Code == ErrorCode.NoError && topic.Partitions.Count > 0)
            {
                counts[topic.Topic] = topic.Partitions.Count;
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
        await CreateAsync(specifications, cancellationToken).ConfigureAwait(false);
        await WaitUntilVisibleAsync(wanted, specifications, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The <c>cleanup.policy</c> of each existing topic of <paramref name="topics"/>, as the brokers report it.</summary>
    public async Task<IReadOnlyDictionary<string, string>> CleanupPoliciesAsync(IEnumerable<string> topics, CancellationToken cancellationToken)
    {
        var resources = topics.Select(topic => new ConfigResource { Type = ResourceType.Topic, Name = topic }).ToList();
        if (resources.Count == 0)
        {
            return new Dictionary<string, string>();
        }

        // A cluster answers in milliseconds; one without a controller (librdkafka's mock) never does.
        var results = await _admin.DescribeConfigsAsync(resources, new DescribeConfigsOptions { RequestTimeout = TimeSpan.FromSeconds(10) })
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        return results.ToDictionary(
            result => result.ConfigResource.Name,
            result => result.Entries.TryGetValue("cleanup.policy", out var entry) ? entry.Value : "delete");
    }

    /// <summary>Releases the admin client; later calls do nothing (Confluent's client throws on a second dispose).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _admin.Dispose();
        }
    }

    /// <summary>Creates <paramref name="specifications"/>; a topic that already exists is the state wanted.</summary>
    private async Task CreateAsync(IReadOnlyList<TopicSpecification> specifications, CancellationToken cancellationToken)
    {
        if (specifications.Count == 0)
        {
            return;
        }

        try
        {
            await _admin.CreateTopicsAsync(specifications, new CreateTopicsOptions { RequestTimeout = RequestTimeout }).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (CreateTopicsException e) when (e.Results.All(result => result.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            // Some already existed (another instance made them first, or a deletion is still under way): see the wait.
        }
        catch (CreateTopicsException e)
        {
            var failures = e.Results.Where(result => result.Error.Code is not (ErrorCode.NoError or ErrorCode.TopicAlreadyExists));
            throw new StreamsException($"Could not create {string.Join("; ", failures.Select(f => $"topic '{f.Topic}': {f.Error.Reason}"))}.", e);
        }
    }

    /// <summary>
    /// After CreateTopics a broker's metadata can lag: the topic missing, or partitions without a leader yet. Clients
    /// that used it then would fail or (where the broker auto-creates) race the creation, so wait, with backoff. A topic
    /// still absent is asked for again: a broker answers "already exists" for a topic whose deletion is under way (an
    /// application reset that deleted the internal topics just before this start), and creates it only once it is gone.
    /// </summary>
    private async Task WaitUntilVisibleAsync(IReadOnlyList<TopicSpec> wanted, IReadOnlyList<TopicSpecification> created, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + _visibilityTimeout;
        var backoff = FirstBackoff;
        var createdPartitions = created.ToDictionary(spec => spec.Name, spec => spec.NumPartitions, StringComparer.Ordinal);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var seen = DescribeAll().ToDictionary(topic => topic.Topic, StringComparer.Ordinal);
            var pending = wanted
                .Select(topic => (topic.Name, Problem: Problem(seen.GetValueOrDefault(topic.Name), createdPartitions.TryGetValue(topic.Name, out var count) ? count : null)))
                .Where(t => t.Problem is not null)
                .ToList();
            if (pending.Count == 0)
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new StreamsException(
                    $"Topic(s) not usable {_visibilityTimeout.TotalSeconds:0} s after creation: {string.Join("; ", pending.Select(p => $"'{p.Name}' {p.Problem}"))}.");
            }

            await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            var absent = pending.Where(p => !seen.ContainsKey(p.Name)).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            await CreateAsync(created.Where(spec => absent.Contains(spec.Name)).ToList(), cancellationToken).ConfigureAwait(false);
        }
    }

    private static string? Problem(TopicMetadata? topic, int? createdPartitions) =>
        topic is null ? "is not in the cluster's metadata"
        : topic.Error.Code != ErrorCode.NoError ? $"reports {topic.Error.Code}"
        : topic.Partitions.Count == 0 ? "has no partitions yet"
        : createdPartitions is { } expected && topic.Partitions.Count < expected ? $"shows {topic.Partitions.Count} of its {expected} partitions"
        : topic.Partitions.FirstOrDefault(p => p.Error.Code != ErrorCode.NoError || p.Leader < 0) is { } partition
            ? $"partition {partition.PartitionId} has no leader yet ({partition.Error.Code})"
        : null;

    private List<TopicMetadata> DescribeAll() => _admin.GetMetadata(RequestTimeout).Topics;
}
