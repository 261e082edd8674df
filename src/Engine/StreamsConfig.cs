namespace Streams.Engine;

/// <summary>
/// The configuration of a running topology, bindable from configuration as it is (a host binds its "Streams" section
/// straight into it). Properties follow Kafka Streams' keys (application.id, processing.guarantee, commit.interval.ms,
/// ...); <see cref="Validate"/> throws an <see cref="ArgumentException"/> whose parameter name is the offending property.
/// </summary>
public sealed class StreamsConfig
{
    /// <summary>application.id: the consumer group id and the prefix of internal topics and state directories.</summary>
    public string ApplicationId { get; set; } = "";

    /// <summary>bootstrap.servers of the Kafka cluster (unused by the topology test driver).</summary>
    public string BootstrapServers { get; set; } = "";

    /// <summary>num.stream.threads: stream threads of this instance, 1 to 64.</summary>
    public int NumThreads { get; set; } = 1;

    /// <summary>state.dir: where RocksDB stores and checkpoints live, under <c>&lt;state.dir&gt;/&lt;application.id&gt;/&lt;task&gt;</c>.</summary>
    public string StateDir { get; set; } = Path.Combine(Path.GetTempPath(), "kafka-streams");

    /// <summary>processing.guarantee.</summary>
    public ProcessingGuarantee ProcessingGuarantee { get; set; } = ProcessingGuarantee.AtLeastOnce;

    /// <summary>commit.interval.ms; null means 100 ms under exactly-once and 30 s under at-least-once.</summary>
    public int? CommitIntervalMs { get; set; }

    /// <summary>
    /// idle.commit.interval.ms, exactly-once only: a stream thread that has caught up with its input (its last poll found
    /// nothing more, and the broker holds nothing of its partitions the consumer has not delivered) commits what it processed once this long has passed since its last commit, instead of waiting for
    /// the rest of the commit interval. A read_committed consumer sees an output when its transaction commits, so this
    /// shortens what it waits at light and moderate load, at the price of more transactions (at most one per this
    /// interval and thread). A thread that is never caught up, under full load, commits at the commit interval alone.
    /// Null, the default, commits at the commit interval only, as Kafka Streams does.
    /// </summary>
    public int? IdleCommitIntervalMs { get; set; }

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

    /// <summary>
    /// application.server: the endpoint (e.g. <c>http://10.0.3.7:8080</c>) at which this instance answers interactive
    /// queries. When set, the instance announces it and its tasks on the <c>&lt;application.id&gt;-instances</c> topic
    /// and learns every other instance's, so that any instance can tell where a key lives; null keeps queries local.
    /// </summary>
    public string? ApplicationServer { get; set; }

    /// <summary>
    /// num.standby.replicas: how many other instances keep a warm copy of each task's stores by reading its
    /// changelogs, so that a failover restores only the tail and queries can be answered from a standby meanwhile.
    /// Placement comes from the instance directory (see <see cref="ApplicationServer"/>), which runs whenever this is
    /// above 0.
    /// </summary>
    public int NumStandbyReplicas { get; set; }

    /// <summary>
    /// statestore.cache.max.bytes: the record cache of each stream thread, shared by its tasks' stores. Writes collect
    /// there between commits, so a key updated many times costs one store write and one changelog record per commit
    /// interval; reads of recently used keys are answered from memory. 0 turns caching off.
    /// </summary>
    public long StateStoreCacheMaxBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>
    /// max.task.idle.ms: how long a task that reads several partitions waits for one of them that has nothing buffered
    /// and nothing more on the broker, before it processes the others without it. A task processes its partitions in
    /// timestamp order and always waits (up to 5 s) for records the broker has that the consumer has not yet delivered;
    /// 0 adds no wait for a caught-up partition, a positive value waits that long for its next record to arrive (for
    /// inputs written late by their producers), and -1 turns timestamp synchronization off: the task takes the
    /// earliest of whatever is buffered and never waits.
    /// </summary>
    public long MaxTaskIdleMs { get; set; }

    /// <summary>
    /// buffered.records.per.partition: records a task buffers per input partition to choose the timestamp order. A
    /// full partition is paused until half of it is processed, which bounds memory while another partition is awaited.
    /// </summary>
    public int BufferedRecordsPerPartition { get; set; } = 1000;

    /// <summary>
    /// repartition.purge.interval.ms: how often a stream thread deletes the records of repartition topics that its commits
    /// have covered. Repartition topics keep records without a time limit (their timestamps are event times, which the
    /// broker's retention would judge), so this is what bounds their size.
    /// </summary>
    public int RepartitionPurgeIntervalMs { get; set; } = 30_000;

    /// <summary>replication.factor of internal topics; -1 uses the broker default.</summary>
    public short ReplicationFactor { get; set; } = -1;

    /// <summary>
    /// Any librdkafka client setting, applied to every consumer, producer and admin client (security.protocol,
    /// sasl.*, ssl.*, session.timeout.ms, ...). Settings the runtime owns (group.id, enable.auto.commit,
    /// isolation.level, transactional.id, enable.idempotence, partitioner) cannot be overridden.
    /// </summary>
    public Dictionary<string, string> ClientConfig { get; set; } = [];

    /// <summary>
    /// The default of <see cref="RocksDbCacheMb"/>: with it a pod holding a million users' state stays under 600 MB, and
    /// larger caches measured no faster for the full topology (docs/performance.md).
    /// </summary>
    internal const int DefaultRocksDbCacheMb = 192;

    /// <summary>The default of <see cref="RocksDbWriteBufferMb"/>: half the cache.</summary>
    internal const int DefaultRocksDbWriteBufferMb = DefaultRocksDbCacheMb / 2;

    /// <summary>
    /// The block cache all RocksDB stores of the process share, memtables included (MB). The cache is process-wide, so
    /// every runtime in one process must ask for the same size.
    /// </summary>
    public int RocksDbCacheMb { get; set; } = DefaultRocksDbCacheMb;

    /// <summary>The part of that cache memtables may use before stores flush (MB).</summary>
    public int RocksDbWriteBufferMb { get; set; } = DefaultRocksDbWriteBufferMb;

    /// <summary>How often freed C heap memory goes back to the operating system (s; Linux with glibc; 0 turns it off).</summary>
    public int NativeHeapTrimSeconds { get; set; } = 10;

    /// <summary>The commit interval in force.</summary>
    public TimeSpan EffectiveCommitInterval =>
        CommitIntervalMs is { } ms
            ? TimeSpan.FromMilliseconds(ms)
            : ProcessingGuarantee == ProcessingGuarantee.ExactlyOnceV2 ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(30);

    /// <summary>A copy for one cluster: its bootstrap servers, dead-letter topic and client settings.</summary>
    public StreamsConfig ForCluster(string bootstrapServers, string? deadLetterTopic, IReadOnlyDictionary<string, string> clientConfig)
    {
        var copy = (StreamsConfig)MemberwiseClone();
        copy.BootstrapServers = bootstrapServers;
        copy.DeadLetterTopic = deadLetterTopic;
        copy.ClientConfig = new Dictionary<string, string>(clientConfig);
        return copy;
    }

    /// <summary>Whether the instance directory runs: for query routing, for standby placement, or both.</summary>
    public bool UsesInstanceDirectory => ApplicationServer is not null || NumStandbyReplicas > 0;

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

        if (NumThreads is < 1 or > 64)
        {
            throw new ArgumentException($"num.stream.threads must be between 1 and 64 but is {NumThreads}.", nameof(NumThreads));
        }

        if (string.IsNullOrWhiteSpace(StateDir))
        {
            throw new ArgumentException("state.dir must name a directory.", nameof(StateDir));
        }

        if (GroupInstanceId is { } instance && string.IsNullOrWhiteSpace(instance))
        {
            throw new ArgumentException("group.instance.id must not be blank; leave it unset for dynamic membership.", nameof(GroupInstanceId));
        }

        if (ApplicationServer is { } server && (string.IsNullOrWhiteSpace(server) || server.Any(char.IsWhiteSpace)))
        {
            throw new ArgumentException(
                $"application.server '{server}' is not valid: it must be an endpoint other instances can reach, such as http://10.0.3.7:8080, without spaces.",
                nameof(ApplicationServer));
        }

        if (NumStandbyReplicas is < 0 or > 8)
        {
            throw new ArgumentException($"num.standby.replicas must be between 0 and 8 but is {NumStandbyReplicas}.", nameof(NumStandbyReplicas));
        }

        if (StateStoreCacheMaxBytes < 0)
        {
            throw new ArgumentException($"statestore.cache.max.bytes must be 0 (off) or positive but is {StateStoreCacheMaxBytes}.", nameof(StateStoreCacheMaxBytes));
        }

        if (MaxTaskIdleMs < -1)
        {
            throw new ArgumentException($"max.task.idle.ms must be -1 (never wait), 0 or positive but is {MaxTaskIdleMs}.", nameof(MaxTaskIdleMs));
        }

        if (BufferedRecordsPerPartition < 1)
        {
            throw new ArgumentException($"buffered.records.per.partition must be positive but is {BufferedRecordsPerPartition}.", nameof(BufferedRecordsPerPartition));
        }

        if (RepartitionPurgeIntervalMs <= 0)
        {
            throw new ArgumentException($"repartition.purge.interval.ms must be positive but is {RepartitionPurgeIntervalMs}.", nameof(RepartitionPurgeIntervalMs));
        }

        if (CommitIntervalMs is <= 0)
        {
            throw new ArgumentException($"commit.interval.ms must be positive but is {CommitIntervalMs}.", nameof(CommitIntervalMs));
        }

        if (IdleCommitIntervalMs is { } idle)
        {
            if (ProcessingGuarantee != ProcessingGuarantee.ExactlyOnceV2)
            {
                throw new ArgumentException(
                    "idle.commit.interval.ms applies only under exactly_once_v2 (at-least-once output is visible before its commit); unset it or choose exactly_once_v2.",
                    nameof(IdleCommitIntervalMs));
            }

            if (idle <= 0 || idle >= EffectiveCommitInterval.TotalMilliseconds)
            {
                throw new ArgumentException(
                    $"idle.commit.interval.ms must be positive and shorter than commit.interval.ms ({EffectiveCommitInterval.TotalMilliseconds:F0}) but is {idle}.",
                    nameof(IdleCommitIntervalMs));
            }
        }

        if (RocksDbCacheMb < 16)
        {
            throw new ArgumentException($"The RocksDB cache must be at least 16 MB but is {RocksDbCacheMb}.", nameof(RocksDbCacheMb));
        }

        if (RocksDbWriteBufferMb < 8 || RocksDbWriteBufferMb > RocksDbCacheMb)
        {
            throw new ArgumentException(
                $"The RocksDB write buffers must be between 8 MB and the cache ({RocksDbCacheMb} MB) but are {RocksDbWriteBufferMb}.", nameof(RocksDbWriteBufferMb));
        }

        if (NativeHeapTrimSeconds < 0)
        {
            throw new ArgumentException($"The heap trim interval must be 0 (off) or positive but is {NativeHeapTrimSeconds}.", nameof(NativeHeapTrimSeconds));
        }
    }
}
