using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Streams.Engine.Graph;
using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.Queries;
using Streams.Engine.Serialization;
using Streams.Engine.State;

namespace Streams.Engine.Runtime;

/// <summary>
/// Runs a topology on a Kafka cluster: <see cref="StreamsConfig.NumThreads"/> stream threads in the consumer group
/// named by the application id, each with its own consumer, producer and tasks. Scale out by starting more instances
/// with the same application id; the group spreads the partitions.
/// </summary>
public sealed class KafkaStreams : IAsyncDisposable
{
    private readonly Topology _topology;
    private readonly StreamsConfig _config;
    private readonly ITopicAdmin _topicAdmin;
    private readonly bool _ownsTopicAdmin;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private readonly HostedTasks _hosted = new();
    private List<StreamThread> _threads = [];
    private volatile TopicPlan? _plan;
    private Dictionary<string, int> _subtopologyOfStore = [];
    private InstanceDirectory? _directory;
    private StandbyUpdater? _standbys;
    private StreamsState _state = StreamsState.Created;
    private int _disposed;

    /// <param name="topicAdmin">Creates internal topics: <see cref="Embedded.EmbeddedKafkaCluster.TopicAdmin"/> on the
    /// embedded cluster; by default the Kafka Admin API on <see cref="StreamsConfig.BootstrapServers"/>. One passed in
    /// stays the caller's: this instance never disposes it.</param>
    public KafkaStreams(Topology topology, StreamsConfig config, ITopicAdmin? topicAdmin = null, ILoggerFactory? loggerFactory = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (string.IsNullOrWhiteSpace(config.BootstrapServers))
        {
            throw new ArgumentException("bootstrap.servers must name at least one broker.", nameof(config));
        }

        RocksDbMemory.Use(config);
        _topology = topology;
        _config = config;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<KafkaStreams>();
        _time = time ?? TimeProvider.System;
        // Whoever creates a client disposes it: an admin passed in may be shared with others.
        _ownsTopicAdmin = topicAdmin is null;
        _topicAdmin = topicAdmin ?? new KafkaTopicAdmin(
            config.ClientConfig.Append(new KeyValuePair<string, string>("bootstrap.servers", config.BootstrapServers)), logger: _loggerFactory.CreateLogger<KafkaTopicAdmin>());
        ProcessId = config.GroupInstanceId ?? Guid.NewGuid().ToString("N")[..12];
    }

    /// <summary>Raised on every state change, with the old and the new state (on the thread that caused it).</summary>
    public event Action<StreamsState, StreamsState>? StateChanged;

    /// <summary>The instance's state.</summary>
    public StreamsState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>The fatal error that moved the instance to <see cref="StreamsState.Error"/>, if any.</summary>
    public Exception? Error => _threads.Select(thread => thread.Error).FirstOrDefault(error => error is not null);

    /// <summary>Counters, gauges and histograms of this instance.</summary>
    public StreamsMetrics Metrics { get; } = new();

    /// <summary>Identifies this instance in transactional ids and client ids.</summary>
    public string ProcessId { get; }

    /// <summary>The tasks this instance runs now.</summary>
    public IReadOnlyList<TaskInfo> Tasks => _threads.SelectMany(thread => thread.Tasks).ToList();

    /// <summary>The standby replicas this instance keeps (<see cref="StreamsConfig.NumStandbyReplicas"/>), with their lag.</summary>
    public IReadOnlyList<StandbyTaskInfo> StandbyTasks => _hosted.StandbySnapshot().Select(task => new StandbyTaskInfo(task.Id, task.LagRecords)).ToList();

    /// <summary>Consumer lag per assigned input partition, refreshed about once a second.</summary>
    public IReadOnlyList<PartitionLag> Lags => _threads.SelectMany(thread => thread.Lags).ToList();

    /// <summary>True when every stream thread has gone round its loop within <paramref name="within"/>.</summary>
    public bool ThreadsAlive(TimeSpan within) =>
        _threads.Count > 0 && _threads.All(thread => thread.State is not (ThreadState.Dead or ThreadState.Error) && thread.SinceLastLoop <= within);

    /// <summary>
    /// The live instances of the application known from the instance directory (this one included), each with its
    /// endpoint and tasks; only this instance when <see cref="StreamsConfig.ApplicationServer"/> is not set.
    /// </summary>
    public IReadOnlyList<InstanceMetadata> Instances =>
        _directory is { } directory ? directory.Live().Select(instance => instance.Metadata).ToList() : [LocalMetadata()];

    /// <summary>
    /// Where <paramref name="key"/> of store <paramref name="storeName"/> lives: its task and the instance running it,
    /// this one or another from the instance directory. Throws if the store is unknown or the instance not started.
    /// </summary>
    public KeyQueryMetadata QueryMetadataForKey<TKey>(string storeName, TKey key, ISerde<TKey> keySerde)
    {
        var task = TaskForKey(storeName, key, keySerde);
        var standbys = (_directory?.RemoteStandbys(task) ?? []).Select(instance => instance.Metadata).ToList();
        if (_hosted.TryGetStandby(task, out _))
        {
            standbys.Insert(0, LocalMetadata());
        }

        if (_hosted.TryGetActive(task, out _))
        {
            return new KeyQueryMetadata(task, LocalMetadata(), standbys);
        }

        return new KeyQueryMetadata(task, _directory?.RemoteOwner(task)?.Metadata, standbys);
    }

    /// <summary>
    /// Runs <paramref name="query"/> against the stores of the task that holds <paramref name="key"/> of store
    /// <paramref name="storeName"/>, if this instance runs it (or, with <paramref name="allowStandby"/>, keeps a standby
    /// of it); otherwise says why not. The query runs on the caller's thread while the task keeps processing: it sees
    /// every write the task made before it started (read-your-writes on the owner) and maybe some made while it runs. A
    /// standby's answer trails the owner by the changelog records it has not applied yet. The query must only read, and
    /// not keep the stores beyond its return.
    /// </summary>
    public StoreQueryResult<TResult> Query<TKey, TResult>(
        string storeName, TKey key, ISerde<TKey> keySerde, Func<IQueryableStores, TResult> query, bool allowStandby = false)
    {
        ArgumentNullException.ThrowIfNull(query);
        var task = TaskForKey(storeName, key, keySerde);
        if (State is not (StreamsState.Running or StreamsState.Rebalancing))
        {
            return new StoreQueryResult<TResult>(QueryStatus.NotRunning, default, task, false, -1, null);
        }

        if (!_hosted.TryGetActive(task, out var hosted))
        {
            return allowStandby && _hosted.TryGetStandby(task, out var standby)
                ? Read(standby, task, query, lag: null)
                : new StoreQueryResult<TResult>(QueryStatus.NotHosted, default, task, false, -1, null);
        }

        if (!hosted.Running)
        {
            return new StoreQueryResult<TResult>(QueryStatus.Restoring, default, task, false, -1, null);
        }

        return Read(hosted, task, query, InputLag(task));
    }

    private static StoreQueryResult<TResult> Read<TResult>(QueryableTask hosted, TaskId task, Func<IQueryableStores, TResult> query, long? lag)
    {
        if (!hosted.TryEnter())
        {
            return new StoreQueryResult<TResult>(QueryStatus.NotHosted, default, task, hosted.IsStandby, -1, null);
        }

        try
        {
            var value = query(hosted);
            return new StoreQueryResult<TResult>(QueryStatus.Answered, value, task, hosted.IsStandby, hosted.StreamTime, hosted.IsStandby ? hosted.LagRecords : lag);
        }
        finally
        {
            hosted.Exit();
        }
    }

    /// <summary>Creates the internal topics, checks co-partitioning, and starts the stream threads.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_state != StreamsState.Created)
            {
                throw new InvalidOperationException($"KafkaStreams can start once, from Created; it is {_state}.");
            }
        }

        var plan = await TopicPlan.PrepareAsync(_topology, _config, _topicAdmin, cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(Path.Combine(_config.StateDir, _config.ApplicationId));
        _threads = Enumerable.Range(0, _config.NumThreads)
            .Select(index => new StreamThread(index, _topology, _config, plan, ProcessId, Metrics, _time, _loggerFactory, _hosted, OnThreadStateChanged))
            .ToList();
        _subtopologyOfStore = _topology.Subtopologies.SelectMany(s => s.StoreNames.Select(store => (store, s.Id))).ToDictionary(e => e.store, e => e.Id);
        _plan = plan;
        if (_config.UsesInstanceDirectory)
        {
            _directory = new InstanceDirectory(_config, ProcessId, _hosted, _time, _loggerFactory.CreateLogger<InstanceDirectory>());
            _directory.Start();
        }

        if (_config.NumStandbyReplicas > 0)
        {
            _standbys = new StandbyUpdater(_topology, _config, ProcessId, _hosted, _directory!, Metrics, _time, _loggerFactory.CreateLogger<StandbyUpdater>());
            _standbys.Start();
        }

        Transition(StreamsState.Rebalancing);
        _logger.LogInformation(
            "Starting {Application} with {Threads} stream thread(s), {Guarantee}, subscribed to {Topics}",
            _config.ApplicationId, _threads.Count, _config.ProcessingGuarantee, string.Join(", ", plan.AnchorTopics));
        foreach (var thread in _threads)
        {
            thread.Start();
        }
    }

    /// <summary>
    /// Stops processing: each thread finishes its current record, commits, writes checkpoints, closes its tasks and
    /// leaves the group (unless static membership is on). Returns false if the threads did not stop within
    /// <paramref name="timeout"/> (default 30 s).
    /// </summary>
    public async Task<bool> CloseAsync(TimeSpan? timeout = null)
    {
        lock (_gate)
        {
            if (_state is StreamsState.NotRunning)
            {
                return true;
            }
        }

        if (State != StreamsState.Error)
        {
            Transition(StreamsState.PendingShutdown);
        }

        // Standbys stop first (checkpointed): the tasks the threads give up while closing must not become standbys here.
        _standbys?.Dispose();
        _standbys = null;
        foreach (var thread in _threads)
        {
            thread.RequestShutdown();
        }

        var deadline = timeout ?? TimeSpan.FromSeconds(30);
        var stopped = await Task.Run(() => _threads.All(thread => thread.Join(deadline))).ConfigureAwait(false);
        if (!stopped)
        {
            _logger.LogWarning("Stream threads did not stop within {Timeout}", deadline);
        }

        _directory?.Dispose();
        _directory = null;
        if (State != StreamsState.Error)
        {
            Transition(StreamsState.NotRunning);
        }

        return stopped;
    }

    /// <summary>Closes the instance (see <see cref="CloseAsync"/>) and releases what it made; later calls do nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await CloseAsync().ConfigureAwait(false);
        if (_ownsTopicAdmin)
        {
            (_topicAdmin as IDisposable)?.Dispose();
        }
    }

    private TaskId TaskForKey<TKey>(string storeName, TKey key, ISerde<TKey> keySerde)
    {
        ArgumentNullException.ThrowIfNull(keySerde);
        var plan = _plan ?? throw new InvalidOperationException("The instance has not started: start it before querying its stores.");
        if (!_subtopologyOfStore.TryGetValue(storeName, out var subtopology))
        {
            throw new ArgumentException($"The topology has no store '{storeName}'.", nameof(storeName));
        }

        var anchor = plan.SourceTopics[subtopology][0];
        var bytes = keySerde.Serialize(key, new SerializationContext(MessageComponentType.Key, anchor))
            ?? throw new ArgumentNullException(nameof(key), "Queries need a non-null key.");
        return new TaskId(subtopology, KeyPartitioner.Partition(bytes, plan.Partitions[subtopology]));
    }

    private long? InputLag(TaskId task)
    {
        long? lag = null;
        foreach (var thread in _threads)
        {
            foreach (var partition in thread.Lags)
            {
                if (partition.Task == task)
                {
                    lag = (lag ?? 0) + partition.Records;
                }
            }
        }

        return lag;
    }

    private InstanceMetadata LocalMetadata() => new(
        ProcessId, _config.ApplicationServer, _hosted.ActiveSnapshot().Select(task => task.Id).ToList(),
        _hosted.StandbySnapshot().Select(task => task.Id).ToList(), _time.GetUtcNow(), IsLocal: true);

    private void OnThreadStateChanged()
    {
        var states = _threads.Select(thread => thread.State).ToList();
        StreamsState next;
        if (states.Contains(ThreadState.Error))
        {
            next = StreamsState.Error;
            foreach (var thread in _threads)
            {
                thread.RequestShutdown();
            }
        }
        else if (states.All(state => state is ThreadState.Running))
        {
            next = StreamsState.Running;
        }
        else if (states.Any(state => state is ThreadState.PendingShutdown or ThreadState.Dead))
        {
            return;
        }
        else
        {
            next = StreamsState.Rebalancing;
        }

        Transition(next);
    }

    private void Transition(StreamsState next)
    {
        StreamsState previous;
        lock (_gate)
        {
            previous = _state;
            if (previous == next || previous is StreamsState.Error or StreamsState.NotRunning)
            {
                return;
            }

            _state = next;
        }

        _logger.LogInformation("State {Previous} -> {Next}", previous, next);
        StateChanged?.Invoke(previous, next);
    }
}
