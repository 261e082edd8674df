using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.State;

namespace Streams.Engine.Dsl.Processors;

/// <summary>Materializes a table topic: each record is the key's new value, a null value deletes it.</summary>
internal sealed class TableSourceProcessor<TKey, TValue>(string storeName) : IProcessor<TKey, TValue, TKey, TValue>
{
    private IProcessorContext<TKey, TValue>? _context;
    private IKeyValueStore<TKey, TValue>? _store;
    private Counter? _nullKeys;

    public void Init(IProcessorContext<TKey, TValue> context)
    {
        _context = context;
        _store = context.GetStateStore<IKeyValueStore<TKey, TValue>>(storeName);
        _nullKeys = context.Metrics.Counter(DroppedRecordMetrics.NullKeyRecordsDropped, storeName);
    }

    public void Process(Record<TKey, TValue> record)
    {
        if (record.Key is null)
        {
            _nullKeys!.Increment();
            return;
        }

        if (record.Value is null)
        {
            _store!.Delete(record.Key);
        }
        else
        {
            _store!.Put(record.Key, record.Value);
        }

        _context!.Forward(record);
    }
}
