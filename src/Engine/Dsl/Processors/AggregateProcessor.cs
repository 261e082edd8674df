using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.State;

namespace Streams.Engine.Dsl.Processors;

/// <summary>Count, reduce or aggregate per key into a key-value store; forwards every new aggregate.</summary>
internal sealed class AggregateProcessor<TKey, TValue, TAggregate>(string storeName, Aggregation<TKey, TValue, TAggregate> aggregation)
    : IProcessor<TKey, TValue, TKey, TAggregate>
{
    private IProcessorContext<TKey, TAggregate>? _context;
    private IKeyValueStore<TKey, TAggregate>? _store;
    private Counter? _nullKeys;

    public void Init(IProcessorContext<TKey, TAggregate> context)
    {
        _context = context;
        _store = context.GetStateStore<IKeyValueStore<TKey, TAggregate>>(storeName);
        _nullKeys = context.Metrics.Counter(DroppedRecordMetrics.NullKeyRecordsDropped, storeName);
    }

    public void Process(Record<TKey, TValue> record)
    {
        if (record.Key is null)
        {
            _nullKeys!.Increment();
            return;
        }

        var hasAggregate = _store!.TryGet(record.Key, out var aggregate);
        var updated = aggregation(record.Key, record.Value, hasAggregate, aggregate);
        _store.Put(record.Key, updated);
        _context!.Forward(record.WithValue(updated));
    }
}
