using System.Net.Sockets;
using Confluent.Kafka;
using Streams.Engine;
using Streams.Engine.Embedded;
using Streams.Engine.Runtime;
using Testcontainers.Kafka;
using Xunit;

namespace Streams.TestSupport;

/// <summary>
/// The broker for end-to-end tests, chosen once per run: the cluster in KAFKA_BOOTSTRAP_SERVERS if set; else Kafka in
/// Docker through Testcontainers if a Docker engine answers; else the embedded cluster. The same tests run on all three.
/// </summary>
public sealed class KafkaClusterFixture : IAsyncLifetime
{
    private EmbeddedKafkaCluster? _embedded;
    private KafkaContainer? _container;
    private KafkaTopicAdmin? _admin;

    public BrokerKind Kind { get; private set; }

    public string BootstrapServers { get; private set; } = "";

    /// <summary>
    /// Whether committed offsets of transactions are kept: not on the embedded cluster, whose mock drops TxnOffsetCommit
    /// (../shared/DESIGN.md), so a second exactly-once instance there reads its input again from the start.
    /// </summary>
    public bool StoresTransactionalOffsets => Kind != BrokerKind.Embedded;

    /// <summary>Whether the broker deletes records on request (DeleteRecords): not the embedded cluster's mock.</summary>
    public bool DeletesRecords => Kind != BrokerKind.Embedded;

    /// <summary>Whether the broker takes injected request errors (<see cref="InjectRequestErrors"/>): the embedded cluster only.</summary>
    public bool InjectsFaults => _embedded is not null;

    /// <summary>The next requests of Kafka API <paramref name="apiKey"/> fail with <paramref name="errors"/> (embedded cluster only).</summary>
    public void InjectRequestErrors(short apiKey, params ErrorCode[] errors) =>
        (_embedded ?? throw new InvalidOperationException("Only the embedded cluster takes injected errors.")).InjectRequestErrors(apiKey, errors);

    public ITopicAdmin TopicAdmin => (ITopicAdmin?)_admin ?? _embedded!.TopicAdmin;

    /// <summary>Client settings that make group membership changes quick in tests.</summary>
    public Dictionary<string, string> ClientConfig { get; } = new()
    {
        ["session.timeout.ms"] = "6000",
        ["heartbeat.interval.ms"] = "500",
    };

    public static BrokerKind ChooseKind() =>
        !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("KAFKA_BOOTSTRAP_SERVERS")) ? BrokerKind.External
        : DockerEngineAnswers() ? BrokerKind.Testcontainers
        : BrokerKind.Embedded;

    public async Task InitializeAsync()
    {
        Kind = ChooseKind();
        switch (Kind)
        {
            case BrokerKind.External:
                BootstrapServers = Environment.GetEnvironmentVariable("KAFKA_BOOTSTRAP_SERVERS")!;
                break;
            case BrokerKind.Testcontainers:
                // The image auto-creates topics unless told otherwise, as stock brokers do; the suite must pass either
                // way, so KAFKA_AUTO_CREATE_TOPICS_ENABLE (default true) chooses.
                _container = new KafkaBuilder("confluentinc/cp-kafka:7.6.1")
                    .WithEnvironment("KAFKA_AUTO_CREATE_TOPICS_ENABLE", Environment.GetEnvironmentVariable("KAFKA_AUTO_CREATE_TOPICS_ENABLE") ?? "true")
                    .Build();
                await _container.StartAsync();
                BootstrapServers = _container.GetBootstrapAddress();
                break;
            default:
                _embedded = new EmbeddedKafkaCluster();
                BootstrapServers = _embedded.BootstrapServers;
                break;
        }

        if (_embedded is null)
        {
            _admin = new KafkaTopicAdmin([new("bootstrap.servers", BootstrapServers)]);
        }
    }

    public async Task DisposeAsync()
    {
        _admin?.Dispose();
        _embedded?.Dispose();
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }

    /// <summary>Every topic the cluster has now, read with a metadata request that cannot create one.</summary>
    public IReadOnlySet<string> ClusterTopics()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        return admin.GetMetadata(TimeSpan.FromSeconds(30)).Topics.Select(topic => topic.Topic).ToHashSet();
    }

    /// <summary>
    /// Creates a topic that keeps its records for ever. The tests write event times from 2023 on purpose (deterministic
    /// windows), and a real broker's time retention judges records by their timestamps: its periodic check once deleted a
    /// test's input while the test was still writing it.
    /// </summary>
    public async Task CreateTopicAsync(string name, int partitions) =>
        await TopicAdmin.CreateTopicsAsync([new TopicSpec(name, partitions, Config: KeptForEver)], CancellationToken.None);

    private static readonly Dictionary<string, string> KeptForEver = new() { ["retention.ms"] = "-1" };

    public StreamsConfig StreamsConfig(string applicationId, string stateDir, ProcessingGuarantee guarantee = ProcessingGuarantee.AtLeastOnce) => new()
    {
        ApplicationId = applicationId,
        BootstrapServers = BootstrapServers,
        StateDir = stateDir,
        ProcessingGuarantee = guarantee,
        CommitIntervalMs = 200,
        ClientConfig = new Dictionary<string, string>(ClientConfig),
    };

    public IProducer<TKey, TValue> Producer<TKey, TValue>(ISerializer<TKey> keys, ISerializer<TValue> values) =>
        new ProducerBuilder<TKey, TValue>(new ProducerConfig { BootstrapServers = BootstrapServers, LingerMs = 5, Partitioner = Partitioner.Murmur2Random })
            .SetKeySerializer(keys).SetValueSerializer(values).Build();

    /// <summary>Reads a topic from the beginning (committed records only) until <paramref name="done"/> holds or the timeout passes.</summary>
    public List<ConsumeResult<TKey, TValue>> ReadUntil<TKey, TValue>(
        string topic,
        IDeserializer<TKey> keys,
        IDeserializer<TValue> values,
        Func<IReadOnlyList<ConsumeResult<TKey, TValue>>, bool> done,
        TimeSpan timeout)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,
            GroupId = "reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
        };
        using var consumer = new ConsumerBuilder<TKey, TValue>(config).SetKeyDeserializer(keys).SetValueDeserializer(values).Build();
        consumer.Subscribe(topic);
        var records = new List<ConsumeResult<TKey, TValue>>();
        var deadline = DateTime.UtcNow + timeout;
        while (!done(records) && DateTime.UtcNow < deadline)
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (record is not null && !record.IsPartitionEOF)
            {
                records.Add(record);
            }
        }

        consumer.Close();
        return records;
    }

    private static bool DockerEngineAnswers()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        var socketPath = host is { Length: > 0 } && host.StartsWith("unix://", StringComparison.Ordinal) ? host["unix://".Length..] : "/var/run/docker.sock";
        if (host is { Length: > 0 } && !host.StartsWith("unix://", StringComparison.Ordinal))
        {
            return true;
        }

        if (!File.Exists(socketPath))
        {
            return false;
        }

        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

public enum BrokerKind
{
    Embedded,
    Testcontainers,
    External,
}
