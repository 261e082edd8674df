using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Streams.Engine.Graph;
using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.Serialization;
using Streams.Engine.State;
using Streams.Engine.Tasks;

namespace Streams.Engine.Testing;

/// <summary>
/// Runs a topology without a broker and without threads, deterministically: records piped into input topics are
/// processed at once, in order, by the same tasks the runtime uses (one per sub-topology, on partition 0); what they
/// write (outputs, repartition topics, changelogs, dead letters) lands in in-memory topics; records written to a topic
/// the topology reads (repartition topics) are processed next. Wall-clock time moves only when told to.
/// </summary>
public sealed class TopologyTestDriver : IDisposable
{
    private readonly Dictionary<string, StreamTask> _taskByTopic = [];
    private readonly List<StreamTask> _tasks = [];
    private readonly Dictionary<string, List<ProducedRecord>> _topics = [];
    private readonly Dictionary<string, int> _readPositions = [];
    private readonly Dictionary<string, long> _nextOffsets = [];
    private readonly Queue<ConsumeResult<byte[], byte[]>> _internalQueue = new();
    private readonly ManualTimeProvider _time;
    private readonly string? _temporaryStateDir;
    private readonly StreamsConfig _config;
    private bool _processing;

    /// <param name="topology">The topology to run.</param>
    /// <param name="config">
    /// Application id, error policies and state directory; by default an application id of <c>test-driver</c> and a
    /// fresh temporary state directory that is deleted on dispose. A state directory given here is kept, so a second
    /// driver on it sees what persistent stores held.
    /// </param>
    /// <param name="initialWallClock">The wall-clock start time (default: 2024-01-01T00:00:00Z).</param>
    public TopologyTestDriver(Topology topology, StreamsConfig? config = null, DateTimeOffset? initialWallClock = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        _config = config ?? new StreamsConfig { ApplicationId = "test-driver" };
        if (config is null || config.StateDir == new StreamsConfig().StateDir)
        {
            _temporaryStateDir = Path.Combine(Path.GetTempPath(), "topology-test-driver", Guid.NewGuid().ToString("N"));
            _config.StateDir = _temporaryStateDir;
        }

        _config.Validate();
        RocksDbMemory.Use(_config);
        _time = new ManualTimeProvider(initialWallClock ?? new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<TopologyTestDriver>();
        var collector = new Collector(this);
        foreach (var subtopology in topology.Subtopologies)
        {
            var task = new StreamTask(new TaskId(subtopology.Id, 0), topology, _config, collector, _time, Metrics, logger);
            _tasks.Add(task);
            foreach (var topic in task.InputTopics)
            {
                _taskByTopic[topic] = task;
            }
        }

        foreach (var task in _tasks)
        {
            task.InitializeStores();
        }

        foreach (var task in _tasks)
        {
            task.InitializeProcessors();
        }
    }

    /// <summary>The engine's metrics for this run: late drops, dead letters, records consumed and produced.</summary>
    public StreamsMetrics Metrics { get; } = new();

    /// <summary>The current wall-clock time.</summary>
    public DateTimeOffset WallClock => _time.GetUtcNow();

    /// <summary>Every topic something was written to (outputs, internal topics, changelogs, dead letters).</summary>
    public IReadOnlyCollection<string> ProducedTopicNames => _topics.Keys;

    /// <summary>An input topic to pipe typed records into.</summary>
    public TestInputTopic<TKey, TValue> CreateInputTopic<TKey, TValue>(string topic, ISerde<TKey> keySerde, ISerde<TValue> valueSerde)
    {
        if (!_taskByTopic.ContainsKey(topic))
        {
            throw new ArgumentException($"The topology does not read topic '{topic}'.", nameof(topic));
        }

        return new TestInputTopic<TKey, TValue>(this, topic, keySerde, valueSerde);
    }

    /// <summary>An output topic to read typed records from. Reading consumes: each record is read once.</summary>
    public TestOutputTopic<TKey, TValue> CreateOutputTopic<TKey, TValue>(string topic, ISerde<TKey> keySerde, ISerde<TValue> valueSerde) =>
        new(this, topic, keySerde, valueSerde);

    /// <summary>
    /// Moves wall-clock time forward and runs the wall-clock punctuators that became due (once each, however far the
    /// clock moved).
    /// </summary>
    public void AdvanceWallClockTime(TimeSpan by)
    {
        if (by < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(by), "Wall-clock time only moves forward.");
        }

        _time.Advance(by);
        _processing = true;
        try
        {
            foreach (var task in _tasks)
            {
                task.PunctuateWallClock();
            }

            DrainInternalTopics();
        }
        finally
        {
            _processing = false;
        }
    }

    /// <summary>A key-value store by name, from the task that owns it.</summary>
    public IKeyValueStore<TKey, TValue> GetKeyValueStore<TKey, TValue>(string name) => GetStateStore<IKeyValueStore<TKey, TValue>>(name);

    /// <summary>A window store by name.</summary>
    public IWindowStore<TKey, TValue> GetWindowStore<TKey, TValue>(string name) => GetStateStore<IWindowStore<TKey, TValue>>(name);

    /// <summary>A session store by name.</summary>
    public ISessionStore<TKey, TValue> GetSessionStore<TKey, TValue>(string name) => GetStateStore<ISessionStore<TKey, TValue>>(name);

    /// <summary>Any store by name and interface.</summary>
    public TStore GetStateStore<TStore>(string name) where TStore : class, IStateStore
    {
        foreach (var task in _tasks)
        {
            if (task.Stores.TryGetValue(name, out var store))
            {
                return store as TStore ?? throw new InvalidOperationException($"State store '{name}' is a {store.GetType().Name}, not an {typeof(TStore).Name}.");
            }
        }

        throw new ArgumentException($"The topology has no state store '{name}'.", nameof(name));
    }

    /// <summary>
    /// Runs an interactive query against the task that holds <paramref name="storeName"/>, through the same read-only
    /// view a running instance gives (<see cref="Queries.IQueryableStores"/>), so query code is tested as it will run.
    /// </summary>
    public TResult Query<TResult>(string storeName, Func<Queries.IQueryableStores, TResult> query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var task = _tasks.FirstOrDefault(t => t.Stores.ContainsKey(storeName))
            ?? throw new ArgumentException($"The topology has no state store '{storeName}'.", nameof(storeName));
        return query(new Queries.QueryableTask(task.Id, task.Stores, () => task.StreamTime, isStandby: false));
    }

    /// <summary>Closes the tasks and their stores, and deletes the state directory if the driver made it.</summary>
    public void Dispose()
    {
        foreach (var task in _tasks)
        {
            task.Dispose();
        }

        if (_temporaryStateDir is not null && Directory.Exists(_temporaryStateDir))
        {
            Directory.Delete(_temporaryStateDir, recursive: true);
        }
    }

    internal void Pipe(string topic, byte[]? key, byte[]? value, long timestamp, Headers? headers)
    {
        if (_processing)
        {
            throw new InvalidOperationException("Records cannot be piped from inside a processor or punctuator.");
        }

        _processing = true;
        try
        {
            _taskByTopic[topic].Process(ToConsumeResult(topic, key, value, timestamp, headers));
            DrainInternalTopics();
        }
        finally
        {
            _processing = false;
        }
    }

    internal bool TryRead(string topic, out ProducedRecord record)
    {
        if (_topics.TryGetValue(topic, out var records))
        {
            var position = _readPositions.GetValueOrDefault(topic);
            if (position < records.Count)
            {
                record = records[position];
                _readPositions[topic] = position + 1;
                return true;
            }
        }

        record = default;
        return false;
    }

    internal int Unread(string topic) =>
        _topics.TryGetValue(topic, out var records) ? records.Count - _readPositions.GetValueOrDefault(topic) : 0;

    private void DrainInternalTopics()
    {
        while (_internalQueue.TryDequeue(out var record))
        {
            _taskByTopic[record.Topic].Process(record);
        }
    }

    private ConsumeResult<byte[], byte[]> ToConsumeResult(string topic, byte[]? key, byte[]? value, long timestamp, Headers? headers)
    {
        var offset = _nextOffsets.GetValueOrDefault(topic);
        _nextOffsets[topic] = offset + 1;
        return new ConsumeResult<byte[], byte[]>
        {
            TopicPartitionOffset = new TopicPartitionOffset(topic, 0, offset),
            Message = new Message<byte[], byte[]>
            {
                Key = key!,
                Value = value!,
                Timestamp = new Timestamp(timestamp, TimestampType.CreateTime),
                Headers = headers ?? [],
            },
        };
    }

    /// <summary>One record as written to an in-memory topic.</summary>
    internal readonly record struct ProducedRecord(byte[]? Key, byte[]? Value, long Timestamp, Headers? Headers);

    private sealed class Collector(TopologyTestDriver driver) : IRecordCollector
    {
        public void Send(string topic, byte[]? key, byte[]? value, Headers? headers, long timestamp, int? partition)
        {
            if (!driver._topics.TryGetValue(topic, out var records))
            {
                driver._topics[topic] = records = [];
            }

            records.Add(new ProducedRecord(key, value, timestamp, headers));
            if (driver._taskByTopic.ContainsKey(topic))
            {
                driver._internalQueue.Enqueue(driver.ToConsumeResult(topic, key, value, timestamp, headers));
            }
        }
    }

    private sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
