using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using Streams.Engine.Runtime;

namespace Streams.Engine.Embedded;

/// <summary>
/// An in-process Kafka cluster on librdkafka's mock cluster: it speaks the Kafka protocol over TCP on 127.0.0.1, so any
/// Kafka client (this engine, kcat, a consumer in another process) connects to <see cref="BootstrapServers"/> as to a
/// real broker. Meant for the demo and for tests.
/// </summary>
/// <remarks>
/// Gaps of the mock, which tests and demos must respect: topics are created with <see cref="CreateTopic"/> (the
/// CreateTopics API is not served); there is no log compaction; transactional offset commits are not stored, so
/// exactly-once offsets do not survive a consumer restart; and each partition keeps only about 5 MiB (at most 100,000
/// batches), dropping its oldest data beyond that.
/// </remarks>
public sealed unsafe class EmbeddedKafkaCluster : IDisposable
{
    private const int ProducerType = 0;
    private readonly MockClusterNative.Api _native;
    private readonly object _gate = new();
    private readonly Dictionary<string, int> _topics = [];
    private IntPtr _client;
    private IntPtr _cluster;

    /// <param name="brokers">Number of mock brokers.</param>
    /// <param name="initialRebalanceDelay">How long the group coordinator waits for more members before the first
    /// rebalance (Kafka's group.initial.rebalance.delay.ms); short by default so tests start fast.</param>
    public EmbeddedKafkaCluster(int brokers = 1, TimeSpan? initialRebalanceDelay = null)
    {
        if (brokers < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(brokers), "A cluster needs at least one broker.");
        }

        _native = MockClusterNative.Functions;
        var conf = _native.ConfNew();
        SetConf(conf, "log_level", "0");
        var error = stackalloc byte[512];
        _client = _native.New(ProducerType, conf, error, 512);
        if (_client == IntPtr.Zero)
        {
            throw new InvalidOperationException($"Cannot create the client that hosts the embedded cluster: {Marshal.PtrToStringUTF8((IntPtr)error)}");
        }

        _cluster = _native.ClusterNew(_client, brokers);
        if (_cluster == IntPtr.Zero)
        {
            _native.Destroy(_client);
            throw new InvalidOperationException("librdkafka could not create the mock cluster.");
        }

        _native.GroupInitialRebalanceDelay(_cluster, (int)(initialRebalanceDelay ?? TimeSpan.FromMilliseconds(100)).TotalMilliseconds);
        BootstrapServers = Marshal.PtrToStringUTF8(_native.ClusterBootstraps(_cluster))
            ?? throw new InvalidOperationException("The mock cluster reported no bootstrap servers.");
        Brokers = brokers;
    }

    /// <summary>Comma-separated host:port pairs of the brokers.</summary>
    public string BootstrapServers { get; }

    /// <summary>Number of brokers.</summary>
    public int Brokers { get; }

    /// <summary>The topics created so far with their partition counts.</summary>
    public IReadOnlyDictionary<string, int> Topics
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, int>(_topics);
            }
        }
    }

    /// <summary>A topic admin that creates topics on this cluster; what the runtime uses for internal topics.</summary>
    public ITopicAdmin TopicAdmin => new EmbeddedTopicAdmin(this);

    /// <summary>
    /// Creates a topic. Creating an existing topic with the same partition count does nothing; with another count it
    /// throws, as a real broker would refuse.
    /// </summary>
    public void CreateTopic(string name, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
            if (_topics.TryGetValue(name, out var existing))
            {
                if (existing != partitions)
                {
                    throw new InvalidOperationException($"Topic '{name}' already exists with {existing} partitions, not {partitions}.");
                }

                return;
            }

            var topic = Encoding.UTF8.GetBytes(name + "\0");
            int result;
            fixed (byte* topicName = topic)
            {
                result = _native.TopicCreate(_cluster, topicName, partitions, Math.Min(replicationFactor, Brokers));
            }

            if (result != 0)
            {
                throw new InvalidOperationException($"Cannot create topic '{name}': {Marshal.PtrToStringUTF8(_native.ErrorToString(result))}.");
            }

            _topics[name] = partitions;
        }
    }

    /// <summary>
    /// Makes the cluster answer the next requests of Kafka API <paramref name="apiKey"/> (28 is TxnOffsetCommit) with
    /// <paramref name="errors"/>, one request each, as a real broker would in a rebalance or a coordinator move: fault
    /// injection for tests of how clients recover.
    /// </summary>
    public void InjectRequestErrors(short apiKey, params ErrorCode[] errors)
    {
        ArgumentOutOfRangeException.ThrowIfZero(errors.Length);
        var codes = errors.Select(error => (int)error).ToArray();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
            fixed (int* errorCodes = codes)
            {
                _native.PushRequestErrors(_cluster, apiKey, (nuint)codes.Length, errorCodes);
            }
        }
    }

    /// <summary>Stops the brokers; connected clients see them disappear.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_cluster != IntPtr.Zero)
            {
                _native.ClusterDestroy(_cluster);
                _cluster = IntPtr.Zero;
            }

            if (_client != IntPtr.Zero)
            {
                _native.Destroy(_client);
                _client = IntPtr.Zero;
            }
        }
    }

    private void SetConf(IntPtr conf, string name, string value)
    {
        var error = stackalloc byte[512];
        fixed (byte* key = Encoding.UTF8.GetBytes(name + "\0"))
        fixed (byte* val = Encoding.UTF8.GetBytes(value + "\0"))
        {
            if (_native.ConfSet(conf, key, val, error, 512) != 0)
            {
                throw new InvalidOperationException($"librdkafka refused {name}={value}: {Marshal.PtrToStringUTF8((IntPtr)error)}");
            }
        }
    }

    private sealed class EmbeddedTopicAdmin(EmbeddedKafkaCluster cluster) : ITopicAdmin
    {
        public Task<IReadOnlyDictionary<string, int>> PartitionCountsAsync(IEnumerable<string> topics, CancellationToken cancellationToken)
        {
            var known = cluster.Topics;
            IReadOnlyDictionary<string, int> counts = topics.Where(known.ContainsKey).ToDictionary(topic => topic, topic => known[topic]);
            return Task.FromResult(counts);
        }

        public Task CreateTopicsAsync(IEnumerable<TopicSpec> topics, CancellationToken cancellationToken)
        {
            // The mock has neither compaction nor topic configs: only name and partition count matter here. Existing
            // topics are left as they are, whatever their partition count, as the interface promises.
            var existing = cluster.Topics;
            foreach (var topic in topics.Where(topic => !existing.ContainsKey(topic.Name)))
            {
                cluster.CreateTopic(topic.Name, topic.Partitions);
            }

            return Task.CompletedTask;
        }
    }
}
