using Confluent.Kafka;
using Streams.Engine.Graph;
using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.Serialization;
using Streams.Engine.State;
using Streams.Engine.Tracing;

namespace Streams.Engine.Tasks;

/// <summary>A node instantiated for one task.</summary>
internal abstract class RuntimeNode(string name)
{
    public string Name { get; } = name;

    public List<RuntimeNode> Children { get; } = [];

    public abstract void Init(TaskContext task, IReadOnlyCollection<string> storeNames);

    public virtual void Close()
    {
    }
}

/// <summary>A node that accepts records of one key and value type from its parents.</summary>
internal interface IRecordReceiver<TKey, TValue>
{
    void Receive(Record<TKey, TValue> record);
}

/// <summary>A processor node with its processor instance.</summary>
internal sealed class ProcessorNode<TKeyIn, TValueIn, TKeyOut, TValueOut>(string name, IProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut> processor)
    : RuntimeNode(name), IRecordReceiver<TKeyIn, TValueIn>
{
    public override void Init(TaskContext task, IReadOnlyCollection<string> storeNames) =>
        processor.Init(new NodeContext<TKeyOut, TValueOut>(task, this, storeNames));

    public void Receive(Record<TKeyIn, TValueIn> record)
    {
        try
        {
            processor.Process(record);
        }
        catch (Exception e) when (e is not ProcessorException)
        {
            throw new ProcessorException(Name, e);
        }
    }

    public override void Close() => processor.Close();
}

/// <summary>Reads a topic's raw records, deserializes them and starts them through the graph.</summary>
internal sealed class SourceNode<TKey, TValue>(
    string name,
    ISerde<TKey> keySerde,
    ISerde<TValue> valueSerde,
    Func<TKey, TValue, long, long>? timestampExtractor) : RuntimeNode(name), ISourceNode
{
    private TaskContext? _task;
    private NodeContext<TKey, TValue>? _context;

    public override void Init(TaskContext task, IReadOnlyCollection<string> storeNames)
    {
        _task = task;
        _context = new NodeContext<TKey, TValue>(task, this, storeNames);
    }

    public void Process(ConsumeResult<byte[], byte[]> raw)
    {
        var message = raw.Message;
        TKey key;
        TValue value;
        try
        {
            key = keySerde.Deserialize(message.Key, message.Key is null, new SerializationContext(MessageComponentType.Key, raw.Topic, message.Headers));
            value = valueSerde.Deserialize(message.Value, message.Value is null, new SerializationContext(MessageComponentType.Value, raw.Topic, message.Headers));
        }
        catch (Exception e) when (e is not SerdeUnavailableException)
        {
            throw new RecordDeserializationException(raw.Topic, raw.Partition.Value, raw.Offset.Value, e);
        }

        var timestamp = timestampExtractor is null ? message.Timestamp.UnixTimestampMs : timestampExtractor(key, value, message.Timestamp.UnixTimestampMs);
        if (timestamp < 0)
        {
            throw new ProcessorException(Name, new InvalidOperationException($"Record has an invalid (negative) timestamp {timestamp}."));
        }

        _task!.ObserveTimestamp(timestamp);
        _context!.Forward(new Record<TKey, TValue>(key, value, timestamp, message.Headers));
    }
}

/// <summary>What the task needs of a source node without knowing its types.</summary>
internal interface ISourceNode
{
    string Name { get; }

    void Process(ConsumeResult<byte[], byte[]> raw);
}

/// <summary>Serializes records and hands them to the task's record collector.</summary>
internal sealed class SinkNode<TKey, TValue>(string name, TopicName topic, ISerde<TKey> keySerde, ISerde<TValue> valueSerde)
    : RuntimeNode(name), IRecordReceiver<TKey, TValue>
{
    private TaskContext? _task;
    private string _topic = "";
    private Counter? _produced;
    private Histogram? _latency;

    public override void Init(TaskContext task, IReadOnlyCollection<string> storeNames)
    {
        _task = task;
        _topic = topic.Resolve(task.ApplicationId);
        _produced = task.Metrics.Counter(TaskMetrics.RecordsProduced, _topic);
        _latency = task.Metrics.Histogram(TaskMetrics.EndToEndLatency, _topic);
    }

    public void Receive(Record<TKey, TValue> record)
    {
        byte[]? key;
        byte[]? value;
        try
        {
            key = keySerde.Serialize(record.Key, new SerializationContext(MessageComponentType.Key, _topic, record.Headers));
            value = valueSerde.Serialize(record.Value, new SerializationContext(MessageComponentType.Value, _topic, record.Headers));
        }
        catch (Exception e)
        {
            throw new ProcessorException(Name, new SerializationException($"Cannot serialize a record for topic '{_topic}': {e.Message}", e));
        }

        // Under a span (tracing on), the output carries the span's trace context instead of the one it came with.
        var headers = System.Diagnostics.Activity.Current is { } span ? StreamsTracing.Inject(span, record.Headers) : record.Headers;
        _task!.Collector.Send(_topic, key, value, headers, record.Timestamp, partition: null);
        _produced!.Increment();
        _latency!.Observe(Math.Max(0, _task.WallClockMs - record.Timestamp) / 1000.0);
    }
}

/// <summary>The processor context of one node: forwarding to its children, its stores, and the task's clocks.</summary>
internal sealed class NodeContext<TKeyOut, TValueOut> : IProcessorContext<TKeyOut, TValueOut>
{
    private readonly TaskContext _task;
    private readonly RuntimeNode _node;
    private readonly IRecordReceiver<TKeyOut, TValueOut>[] _children;
    private readonly IReadOnlyCollection<string> _storeNames;

    public NodeContext(TaskContext task, RuntimeNode node, IReadOnlyCollection<string> storeNames)
    {
        _task = task;
        _node = node;
        _storeNames = storeNames;
        _children = new IRecordReceiver<TKeyOut, TValueOut>[node.Children.Count];
        for (var i = 0; i < _children.Length; i++)
        {
            // The topology checked the types when the edge was added.
            _children[i] = (IRecordReceiver<TKeyOut, TValueOut>)node.Children[i];
        }
    }

    public string ApplicationId => _task.ApplicationId;

    public TaskId TaskId => _task.TaskId;

    public RecordMetadata? RecordMetadata => _task.CurrentRecord;

    public long CurrentStreamTimeMs => _task.StreamTime;

    public long CurrentSystemTimeMs => _task.WallClockMs;

    public StreamsMetrics Metrics => _task.Metrics;

    public void Forward(Record<TKeyOut, TValueOut> record)
    {
        var children = _children;
        for (var i = 0; i < children.Length; i++)
        {
            children[i].Receive(record);
        }
    }

    public void Forward(Record<TKeyOut, TValueOut> record, string childName)
    {
        for (var i = 0; i < _children.Length; i++)
        {
            if (_node.Children[i].Name == childName)
            {
                _children[i].Receive(record);
                return;
            }
        }

        throw new InvalidOperationException($"Processor '{_node.Name}' has no child named '{childName}'.");
    }

    public TStore GetStateStore<TStore>(string name) where TStore : class, IStateStore
    {
        if (!_storeNames.Contains(name))
        {
            throw new InvalidOperationException(
                $"State store '{name}' is not connected to processor '{_node.Name}'. Connect it when adding the processor "
                + "(AddStateStore / ConnectProcessorAndStateStores, or the store names of Process).");
        }

        var store = _task.Store(name);
        return store as TStore ?? throw new InvalidOperationException(
            $"State store '{name}' is a {store.GetType().Name}, not an {typeof(TStore).Name}; check its key and value types.");
    }

    public IDisposable Schedule(TimeSpan interval, PunctuationType type, Action<long> punctuator) =>
        _task.Schedule(_node.Name, interval, type, punctuator);

    public void RequestCommit() => _task.CommitRequested = true;
}
