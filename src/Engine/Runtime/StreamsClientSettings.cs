using Confluent.Kafka;

namespace Streams.Engine.Runtime;

/// <summary>
/// Every setting the runtime gives its clients, in one place: the main consumer (the group member that reads input),
/// the restore consumer (the settings of the changelog reader restoration uses; no group), the standby and instance-directory clients, and the producer
/// (outputs and changelogs; transactional under exactly-once). The user's librdkafka settings (<see cref="StreamsConfig.ClientConfig"/>) are the base; a setting
/// below overrides them where the runtime depends on its value, and only fills it in where the text says the user's
/// value wins.
/// </summary>
internal static class StreamsClientSettings
{
    /// <summary>The main consumer of stream thread <paramref name="threadIndex"/>.</summary>
    public static ConsumerConfig MainConsumer(StreamsConfig config, string threadName, int threadIndex)
    {
        var exactlyOnce = config.ProcessingGuarantee == ProcessingGuarantee.ExactlyOnceV2;
        var consumer = new ConsumerConfig(new Dictionary<string, string>(config.ClientConfig))
        {
            BootstrapServers = config.BootstrapServers,
            ClientId = $"{threadName}-consumer",
            GroupId = config.ApplicationId,
            // Offsets are committed by the commit path, after the results they stand for are durable.
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            AllowAutoCreateTopics = false,
            // Every result the poll loop gets is a record to process, whatever the user's client settings say.
            EnablePartitionEof = false,
            IsolationLevel = exactlyOnce ? IsolationLevel.ReadCommitted : IsolationLevel.ReadUncommitted,
        };

        // A fetch that waits for more data delays the records already there; results should follow events within
        // milliseconds, so the wait is short unless the user set one (setting null would remove the user's value).
        if (!config.ClientConfig.ContainsKey("fetch.wait.max.ms"))
        {
            consumer.FetchWaitMaxMs = 20;
        }

        if (config.GroupInstanceId is { } instance)
        {
            // Static membership: one member per thread, stable across restarts of the same instance.
            consumer.GroupInstanceId = $"{instance}-{threadIndex}";
        }

        return consumer;
    }

    /// <summary>The consumer a stream thread restores stores with (its <see cref="KafkaChangelogReader"/>): assigned changelog partitions, no group membership.</summary>
    public static ConsumerConfig RestoreConsumer(StreamsConfig config, string threadName) =>
        new(new Dictionary<string, string>(config.ClientConfig))
        {
            BootstrapServers = config.BootstrapServers,
            ClientId = $"{threadName}-restore-consumer",
            GroupId = $"{config.ApplicationId}-restore",
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            AllowAutoCreateTopics = false,
            // Under exactly-once a changelog holds aborted writes, which a restore must skip.
            IsolationLevel = config.ProcessingGuarantee == ProcessingGuarantee.ExactlyOnceV2 ? IsolationLevel.ReadCommitted : IsolationLevel.ReadUncommitted,
            // Restoration reads a known range as fast as it can: large fetches, and no waiting for more at the end.
            FetchWaitMaxMs = 10,
            MaxPartitionFetchBytes = 8 * 1024 * 1024,
            QueuedMaxMessagesKbytes = 64 * 1024,
        };

    /// <summary>
    /// The consumer of the standby updater: assigned the changelog partitions of this instance's standby tasks, read as
    /// they grow (committed records only under exactly-once), no group membership.
    /// </summary>
    public static ConsumerConfig StandbyConsumer(StreamsConfig config, string processId) =>
        new(new Dictionary<string, string>(config.ClientConfig))
        {
            BootstrapServers = config.BootstrapServers,
            ClientId = $"{config.ApplicationId}-{processId}-standby-consumer",
            GroupId = $"{config.ApplicationId}-standby",
            EnableAutoCommit = false,
            EnablePartitionEof = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            AllowAutoCreateTopics = false,
            IsolationLevel = config.ProcessingGuarantee == ProcessingGuarantee.ExactlyOnceV2 ? IsolationLevel.ReadCommitted : IsolationLevel.ReadUncommitted,
            FetchWaitMaxMs = 100,
        };

    /// <summary>The instance directory's producer: one small announcement a second, sent at once.</summary>
    public static ProducerConfig DirectoryProducer(StreamsConfig config, string processId) =>
        new(new Dictionary<string, string>(config.ClientConfig))
        {
            BootstrapServers = config.BootstrapServers,
            ClientId = $"{config.ApplicationId}-{processId}-directory-producer",
            AllowAutoCreateTopics = false,
            LingerMs = 0,
        };

    /// <summary>The instance directory's consumer: assigned its topic's one partition from the start, no group membership.</summary>
    public static ConsumerConfig DirectoryConsumer(StreamsConfig config, string processId) =>
        new(new Dictionary<string, string>(config.ClientConfig))
        {
            BootstrapServers = config.BootstrapServers,
            ClientId = $"{config.ApplicationId}-{processId}-directory-consumer",
            GroupId = $"{config.ApplicationId}-instances-reader",
            EnableAutoCommit = false,
            EnablePartitionEof = false,
            AllowAutoCreateTopics = false,
            FetchWaitMaxMs = 100,
        };

    /// <summary>The producer of stream thread <paramref name="threadIndex"/> of instance <paramref name="processId"/>.</summary>
    public static ProducerConfig Producer(StreamsConfig config, string threadName, string processId, int threadIndex)
    {
        var exactlyOnce = config.ProcessingGuarantee == ProcessingGuarantee.ExactlyOnceV2;
        var producer = new ProducerConfig(new Dictionary<string, string>(config.ClientConfig))
        {
            BootstrapServers = config.BootstrapServers,
            ClientId = $"{threadName}-producer",
            EnableIdempotence = true,
            Acks = Acks.All,
            // Every topic it writes was checked or created at start-up; a metadata request must never create one.
            AllowAutoCreateTopics = false,
            // As Java clients and Kafka Streams partition, so that keys land where other producers put them.
            Partitioner = Partitioner.Murmur2Random,
        };

        // Kafka Streams' producer default: one batch per partition every 100 ms rather than many small requests, which
        // cost CPU on both ends (a fifth of the at-least-once count's per event at 5 ms). Under exactly-once nothing is
        // visible to read-committed consumers before the commit, and committing sends at once whatever lingers, so there
        // it lingers at most the commit interval and costs no latency; at-least-once output waits up to 100 ms more.
        // The user's linger.ms wins (setting null would remove it).
        if (!config.ClientConfig.ContainsKey("linger.ms"))
        {
            producer.LingerMs = exactlyOnce ? Math.Min(100, config.EffectiveCommitInterval.TotalMilliseconds) : 100;
        }

        if (exactlyOnce)
        {
            // One transactional producer per thread, its id stable for the instance so a restart fences the old one.
            producer.TransactionalId = $"{config.ApplicationId}-{processId}-{threadIndex}";
            producer.TransactionTimeoutMs = 60_000;
            producer.MessageTimeoutMs = 60_000;
        }

        return producer;
    }
}
