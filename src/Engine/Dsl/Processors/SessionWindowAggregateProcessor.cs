using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.State;

namespace Streams.Engine.Dsl.Processors;

/// <summary>
/// Aggregates records into sessions: a record joins (and bridges) every session of its key within the inactivity
/// gap. Merged-away sessions are forwarded with a default value (a tombstone for reference types) before the merged
/// session. A record whose merged session ends before stream time minus grace is late: dropped and counted.
/// </summary>
internal sealed class SessionWindowAggregateProcessor<TKey, TValue, TAggregate>(
    string storeName,
    SessionWindows windows,
    Aggregation<TKey, TValue, TAggregate> aggregation,
    Func<TKey, TAggregate, TAggregate, TAggregate> merger) : IProcessor<TKey, TValue, Windowed<TKey>, TAggregate>
{
    private readonly List<KeyValuePair<Windowed<TKey>, TAggregate>> _overlapping = [];
    private IProcessorContext<Windowed<TKey>, TAggregate>? _context;
    private ISessionStore<TKey, TAggregate>? _store;
    private Counter? _late;
    private Counter? _nullKeys;

    public void Init(IProcessorContext<Windowed<TKey>, TAggregate> context)
    {
        _context = context;
        _store = context.GetStateStore<ISessionStore<TKey, TAggregate>>(storeName);
        _late = context.Metrics.Counter(DroppedRecordMetrics.LateRecordsDropped, storeName);
        _nullKeys = context.Metrics.Counter(DroppedRecordMetrics.NullKeyRecordsDropped, storeName);
    }

    public void Process(Record<TKey, TValue> record)
    {
        if (record.Key is null)
        {
            _nullKeys!.Increment();
            return;
        }

        var timestamp = record.Timestamp;
        var closeTime = _context!.CurrentStreamTimeMs - windows.GraceMs;
        _overlapping.Clear();
        _overlapping.AddRange(_store!.FindSessions(record.Key, timestamp - windows.GapMs, timestamp + windows.GapMs));

        var start = timestamp;
        var end = timestamp;
        var hasAggregate = false;
        TAggregate merged = default!;
        foreach (var (session, value) in _overlapping)
        {
            start = Math.Min(start, session.Window.Start);
            end = Math.Max(end, session.Window.End);
            merged = hasAggregate ? merger(record.Key, merged, value) : value;
            hasAggregate = true;
        }

        if (end < closeTime)
        {
            _late!.Increment();
            return;
        }

        var aggregate = aggregation(record.Key, record.Value, hasAggregate, merged);
        var window = new Window(start, end);
        foreach (var (session, _) in _overlapping)
        {
            if (session.Window != window)
            {
                _store.Remove(session);
                _context.Forward(new Record<Windowed<TKey>, TAggregate>(session, default!, timestamp, record.Headers));
            }
        }

        var result = new Windowed<TKey>(record.Key, window);
        _store.Put(result, aggregate);
        _context.Forward(new Record<Windowed<TKey>, TAggregate>(result, aggregate, timestamp, record.Headers));
    }
}
