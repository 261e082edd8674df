using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.State;

namespace Streams.Engine.Dsl.Processors;

/// <summary>
/// Joins each stream record with the table's current value for its key, as of the moment the record is processed.
/// An inner join drops records without a table value; a left join passes the default value instead.
/// </summary>
internal sealed class StreamTableJoinProcessor<TKey, TValue, TTableValue, TResult>(
    string tableStore,
    Func<TValue, TTableValue, TResult> joiner,
    bool leftJoin) : IProcessor<TKey, TValue, TKey, TResult>
{
    private IProcessorContext<TKey, TResult>? _context;
    private IKeyValueStore<TKey, TTableValue>? _table;
    private Counter? _nullKeys;

    public void Init(IProcessorContext<TKey, TResult> context)
    {
        _context = context;
        _table = context.GetStateStore<IKeyValueStore<TKey, TTableValue>>(tableStore);
        _nullKeys = context.Metrics.Counter(DroppedRecordMetrics.NullKeyRecordsDropped, tableStore);
    }

    public void Process(Record<TKey, TValue> record)
    {
        if (record.Key is null)
        {
            _nullKeys!.Increment();
            return;
        }

        if (_table!.TryGet(record.Key, out var tableValue))
        {
            _context!.Forward(record.WithValue(joiner(record.Value, tableValue)));
        }
        else if (leftJoin)
        {
            _context!.Forward(record.WithValue(joiner(record.Value, default!)));
        }
    }
}
