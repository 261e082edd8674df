namespace Streams.Engine;

/// <summary>
/// The configuration of a running topology. Property names follow Kafka Streams' keys (application.id,
/// processing.guarantee, commit.interval.ms, ...); <see cref="Validate"/> names the offending key.
/// </summary>
public sealed class StreamsConfig
{
    /// <summary>application.id: the consumer group id and the prefix of internal topics and state directories.</summary>
    public string ApplicationId { get; set; } = "";

    /// <summary>bootstrap.servers of the Kafka cluster (unused by the topology test driver).</summary>
    public string BootstrapServers { get; set; } = "";

    /// <summary>num.stream.threads.</summary>
    public int NumStreamThreads { get; set; } = 1;

    /// <summary>state.dir: where RocksDB stores and checkpoints live, under <c>&lt;state.dir&gt;/&lt;application.id&gt;/&lt;task&gt;</c>.</summary>
    public string StateDir { get; set; } = Path.Combine(Path.GetTempPath(), "kafka-streams");

    /// <summary>processing.guarantee.</summary>
    public ProcessingGuarantee ProcessingGuarantee { get; set; } = ProcessingGuarantee.AtLeastOnce;

    /// <summary>commit.interval.ms; null means 100 ms under exactly-once and 30 s under at-least-once.</summary>
    public TimeSpan? CommitInterval { get; set; }

    /// <summary>What happens to a record whose key or value cannot be deserialized.</summary>
    public ErrorPolicy DeserializationErrorPolicy { get; set; } = ErrorPolicy.DeadLetter;

    /// <summary>What happens to a record whose processing throws.</summary>
    public ErrorPolicy ProcessingErrorPolicy { get; set; } = ErrorPolicy.DeadLetter;

    /// <summary>The dead-letter topic; null means <c>&lt;application.id&gt;-dlq</c>.</summary>
    public string? DeadLetterTopic { get; set; }

    /// <summary>
    /// group.instance.id for static membership: each stream thread joins as <c>&lt;id&gt;-&lt;thread&gt;</c>, so a
    /// restarted pod with the same id takes its partitions back without a rebalance; null for dynamic membership.
    /// </summary>
    public string? GroupInstanceId { get; set; }

    /// <summary>replication.factor of internal topics; -1 uses the broker default.</summary>
    public short ReplicationFactor { get; set; } = -1;

    /// <summary>
    /// Any librdkafka client setting, applied to every consumer, producer and admin client (security.protocol,
    /// sasl.*, ssl.*, session.timeout.ms, ...). Settings the runtime owns (group.id, enable.auto.commit,
    /// isolation.level, transactional.id, enable.idempotence, partitioner) cannot be overridden.
    /// </summary>
    public Dictionary<string, string> ClientConfig { get; set; } = [];

    /// <summary>The commit interval in force.</summary>
    public TimeSpan EffectiveCommitInterval =>
        CommitInterval ?? (ProcessingGuarantee == ProcessingGuarantee.ExactlyOnceV2 ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(30));

    /// <summary>The dead-letter topic in force.</summary>
    public string EffectiveDeadLetterTopic => string.IsNullOrWhiteSpace(DeadLetterTopic) ? $"{ApplicationId}-dlq" : DeadLetterTopic;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid key.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ApplicationId) || ApplicationId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')))
        {
            throw new ArgumentException(
                $"application.id '{ApplicationId}' is not valid: it must be non-empty and use only ASCII letters, digits, '.', '_' and '-', because it names topics.",
                nameof(ApplicationId));
        }

        if (NumStreamThreads < 1)
        {
            throw new ArgumentException($"num.stream.threads must be at least 1, not {NumStreamThreads}.", nameof(NumStreamThreads));
        }

        if (string.IsNullOrWhiteSpace(StateDir))
        {
            throw new ArgumentException("state.dir must name a directory.", nameof(StateDir));
        }

        if (GroupInstanceId is { } instance && string.IsNullOrWhiteSpace(instance))
        {
            throw new ArgumentException("group.instance.id must not be blank; leave it unset for dynamic membership.", nameof(GroupInstanceId));
        }

        if (CommitInterval is { } interval && interval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"commit.interval.ms must be positive, not {interval.TotalMilliseconds}.", nameof(CommitInterval));
        }
    }
}
