using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Streams.Engine.Graph;
using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.Serialization;
using Streams.Engine.State;
using Streams.Engine.Tracing;

namespace Streams.Engine.Tasks;

/// <summary>
/// One sub-topology over one partition: its nodes, stores and stream time. It processes one raw record at a time and
/// applies the error policies; it knows nothing of consumers or producers (the runtime and the test driver feed it).
/// </summary>
internal sealed class StreamTask : IDisposable
{
    private readonly StreamsConfig _config;
    private readonly TaskGraph _graph;
    private readonly TaskContext _context;
    private readonly ILogger _logger;
    private readonly Dictionary<string, (ISourceNode Node, Counter Consumed)> _sources = [];
    private readonly string _deadLetterTopic;
    private readonly RecordCache? _cache;
    private bool _processorsInitialized;

    private readonly string _taskName;

    public StreamTask(
        TaskId id,
        Topology topology,
        StreamsConfig config,
        IRecordCollector collector,
        TimeProvider time,
        StreamsMetrics metrics,
        ILogger logger,
        RecordCache? cache = null)
    {
        Id = id;
        _cache = cache;
        _taskName = id.ToString();
        _config = config;
        _logger = logger;
        _graph = TaskGraph.Build(topology, id.Subtopology);
        _context = new TaskContext(config.ApplicationId, id, collector, time, metrics, _graph.Stores);
        _deadLetterTopic = config.EffectiveDeadLetterTopic;
        StateDirectory = Path.Combine(config.StateDir, config.ApplicationId, id.ToString());

        // Runtime nodes are instantiated in the order of their definitions.
        for (var i = 0; i < _graph.Nodes.Count; i++)
        {
            if (_graph.Nodes[i] is ISourceNode source)
            {
                foreach (var topic in ((ISourceDefinition)_graph.Subtopology.Nodes[i]).Topics)
                {
                    var name = topic.Resolve(config.ApplicationId);
                    _sources[name] = (source, metrics.Counter(TaskMetrics.RecordsConsumed, name));

                    // Created now, so a dashboard sees zero dead letters rather than no series at all.
                    metrics.Counter(TaskMetrics.DeadLetters, name);
                }
            }
        }
    }

    public TaskId Id { get; }

    public string StateDirectory { get; }

    public IReadOnlyCollection<string> InputTopics => _sources.Keys;

    public IReadOnlyDictionary<string, IManagedStateStore> Stores => _graph.Stores;

    public long StreamTime => _context.StreamTime;

    public bool CommitRequested
    {
        get => _context.CommitRequested;
        set => _context.CommitRequested = value;
    }

    /// <summary>Opens the stores. The runtime restores them from their changelogs before <see cref="InitializeProcessors"/>.</summary>
    public void InitializeStores()
    {
        var storeContext = new StateStoreContext(_config.ApplicationId, Id, StateDirectory, _context, _context.Metrics, _cache, _logger);
        foreach (var store in _graph.Stores.Values)
        {
            store.Init(storeContext);
        }
    }

    public void InitializeProcessors()
    {
        var definitions = _graph.Subtopology.Nodes;
        for (var i = 0; i < _graph.Nodes.Count; i++)
        {
            _graph.Nodes[i].Init(_context, definitions[i].StoreNames);
        }

        _processorsInitialized = true;
    }

    /// <summary>
    /// Processes one record and then runs the stream-time punctuators it made due. A record that cannot be
    /// deserialized or processed is handled by the configured policy; a failing punctuator, a Kafka error or a store
    /// error stops the task.
    /// </summary>
    public void Process(ConsumeResult<byte[], byte[]> raw)
    {
        if (!_processorsInitialized)
        {
            throw new InvalidOperationException($"Task {Id} is not initialized.");
        }

        if (!_sources.TryGetValue(raw.Topic, out var source))
        {
            throw new InvalidOperationException($"Task {Id} does not read topic '{raw.Topic}'.");
        }

        source.Consumed.Increment();
        var message = raw.Message;
        _context.CurrentRecord = new RecordMetadata(raw.Topic, raw.Partition.Value, raw.Offset.Value, message.Timestamp.UnixTimestampMs, message.Headers);
        _context.CurrentTimestamp = message.Timestamp.UnixTimestampMs;
        using var span = StreamsTracing.StartProcessing(raw, _taskName);
        try
        {
            source.Node.Process(raw);
        }
        catch (RecordDeserializationException e)
        {
            HandleFailure(_config.DeserializationErrorPolicy, "deserialization", raw, e.InnerException ?? e, processor: source.Node.Name);
        }
        catch (Exception e) when (!IsFatal(e))
        {
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, e.Message);
            var processor = e is ProcessorException failed ? failed.Processor : source.Node.Name;
            HandleFailure(_config.ProcessingErrorPolicy, "processing", raw, RootCause(e), processor);
        }
        finally
        {
            _context.CurrentRecord = null;
        }

        _context.PunctuateStreamTime();
    }

    public int PunctuateWallClock() => _processorsInitialized ? _context.PunctuateWallClock() : 0;

    public void Flush()
    {
        foreach (var store in _graph.Stores.Values)
        {
            store.Flush();
        }
    }

    public void Dispose()
    {
        if (_processorsInitialized)
        {
            foreach (var node in _graph.Nodes)
            {
                node.Close();
            }

            _processorsInitialized = false;
        }

        foreach (var store in _graph.Stores.Values)
        {
            store.Close();
        }
    }

    private static bool IsFatal(Exception e)
    {
        for (var cause = e; cause is not null; cause = cause.InnerException)
        {
            if (cause is KafkaException or RocksDbSharp.RocksDbException or SerdeUnavailableException or OutOfMemoryException)
            {
                return true;
            }
        }

        return false;
    }

    private static Exception RootCause(Exception e) => e is ProcessorException { InnerException: { } inner } ? inner : e;

    private void HandleFailure(ErrorPolicy policy, string stage, ConsumeResult<byte[], byte[]> raw, Exception error, string processor)
    {
        var coordinates = $"{raw.Topic}[{raw.Partition.Value}]@{raw.Offset.Value}";
        switch (policy)
        {
            case ErrorPolicy.Fail:
                throw new StreamsException($"Task {Id} stopped: {stage} of {coordinates} failed in '{processor}': {error.Message}", error);

            case ErrorPolicy.Skip:
                _context.Metrics.Counter(TaskMetrics.RecordsSkipped, raw.Topic).Increment();
                _logger.LogWarning(error, "Skipped record {Coordinates}: {Stage} failed in {Processor}", coordinates, stage, processor);
                return;

            default:
                var headers = new Headers();
                foreach (var header in raw.Message.Headers ?? [])
                {
                    headers.Add(header.Key, header.GetValueBytes());
                }

                Add(headers, DeadLetterHeaders.Stage, stage);
                Add(headers, DeadLetterHeaders.ErrorType, error.GetType().FullName ?? error.GetType().Name);
                Add(headers, DeadLetterHeaders.ErrorMessage, error.Message);
                Add(headers, DeadLetterHeaders.Processor, processor);
                Add(headers, DeadLetterHeaders.ApplicationId, _config.ApplicationId);
                Add(headers, DeadLetterHeaders.SourceTopic, raw.Topic);
                Add(headers, DeadLetterHeaders.SourcePartition, raw.Partition.Value.ToString(CultureInfo.InvariantCulture));
                Add(headers, DeadLetterHeaders.SourceOffset, raw.Offset.Value.ToString(CultureInfo.InvariantCulture));
                Add(headers, DeadLetterHeaders.SourceTimestamp, raw.Message.Timestamp.UnixTimestampMs.ToString(CultureInfo.InvariantCulture));
                _context.Collector.Send(_deadLetterTopic, raw.Message.Key, raw.Message.Value, headers, raw.Message.Timestamp.UnixTimestampMs, partition: null);
                _context.Metrics.Counter(TaskMetrics.DeadLetters, raw.Topic).Increment();
                _logger.LogWarning(error, "Dead-lettered record {Coordinates} to {DeadLetterTopic}: {Stage} failed in {Processor}", coordinates, _deadLetterTopic, stage, processor);
                return;
        }
    }

    private static void Add(Headers headers, string key, string value) => headers.Add(key, Encoding.UTF8.GetBytes(value));
}
