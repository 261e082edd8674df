using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.State;

namespace Streams.Engine.Dsl.Processors;

/// <summary>
/// Aggregates each record into every time window that contains it. A window accepts records until stream time passes
/// its end plus grace; later records are dropped and counted. Updates go to the update children as they happen; final
/// results go to the final children once a window closes, read back from the store before anything can expire it.
/// </summary>
internal sealed class TimeWindowAggregateProcessor<TKey, TValue, TAggregate>(
    string storeName,
    TimeWindows windows,
    Aggregation<TKey, TValue, TAggregate> aggregation,
    EmitRouting routing) : IProcessor<TKey, TValue, Windowed<TKey>, TAggregate>
{
    private const string EmittedKey = "last-emitted-window-start";
    private IProcessorContext<Windowed<TKey>, TAggregate>? _context;
    private IWindowStore<TKey, TAggregate>? _store;
    private IKeyValueStore<string, long>? _emitted;
    private Counter? _late;
    private Counter? _nullKeys;
    private long _lastEmittedStart = -1;

    public void Init(IProcessorContext<Windowed<TKey>, TAggregate> context)
    {
        _context = context;
        _store = context.GetStateStore<IWindowStore<TKey, TAggregate>>(storeName);
        _late = context.Metrics.Counter(DroppedRecordMetrics.LateRecordsDropped, storeName);
        _nullKeys = context.Metrics.Counter(DroppedRecordMetrics.NullKeyRecordsDropped, storeName);
        if (routing.EmittedStore is { } emittedStore)
        {
            _emitted = context.GetStateStore<IKeyValueStore<string, long>>(emittedStore);
            _lastEmittedStart = _emitted.TryGet(EmittedKey, out var start) ? start : -1;
        }
    }

    public void Process(Record<TKey, TValue> record)
    {
        if (record.Key is null)
        {
            _nullKeys!.Increment();
            return;
        }

        var closeTime = _context!.CurrentStreamTimeMs - windows.GraceMs;
        if (_emitted is not null)
        {
            EmitClosedWindows(closeTime);
        }

        var timestamp = record.Timestamp;
        for (var start = windows.FirstWindowStart(timestamp); start <= timestamp; start += windows.AdvanceMs)
        {
            var end = start + windows.SizeMs;
            if (end <= closeTime)
            {
                _late!.Increment();
                continue;
            }

            var hasAggregate = _store!.TryFetch(record.Key, start, out var aggregate);
            var updated = aggregation(record.Key, record.Value, hasAggregate, aggregate);
            _store.Put(record.Key, updated, start);
            var update = new Record<Windowed<TKey>, TAggregate>(new Windowed<TKey>(record.Key, new Window(start, end)), updated, timestamp, record.Headers);
            foreach (var child in routing.UpdateChildren)
            {
                _context.Forward(update, child);
            }
        }
    }

    private void EmitClosedWindows(long closeTime)
    {
        // Windows start on the advance grid; a window [s, s + size) is closed when s + size <= closeTime.
        var latestClosedStart = closeTime - windows.SizeMs;
        if (latestClosedStart < 0)
        {
            return;
        }

        latestClosedStart = latestClosedStart / windows.AdvanceMs * windows.AdvanceMs;
        if (latestClosedStart <= _lastEmittedStart)
        {
            return;
        }

        var closed = _store!.FetchAll(_lastEmittedStart + 1, latestClosedStart).ToList();
        closed.Sort(static (a, b) => a.Key.Window.Start.CompareTo(b.Key.Window.Start));
        _lastEmittedStart = latestClosedStart;
        _emitted!.Put(EmittedKey, latestClosedStart);
        foreach (var (windowed, aggregate) in closed)
        {
            var result = new Record<Windowed<TKey>, TAggregate>(windowed, aggregate, windowed.Window.End - 1);
            foreach (var child in routing.FinalChildren)
            {
                _context!.Forward(result, child);
            }
        }
    }
}
