using Streams.Engine.Processor;
using Streams.Engine.State;

namespace Streams.Engine.Queries;

/// <summary>
/// A task of this instance as interactive queries reach it: its stores, whether it is running, how fresh it is, and a
/// gate that lets query threads read while the task's own thread writes, but keeps the stores open until the last
/// reader has left (closing a RocksDB store under a reader would crash the process).
/// </summary>
internal sealed class QueryableTask(TaskId id, IReadOnlyDictionary<string, IManagedStateStore> stores, Func<long> streamTime, bool isStandby)
    : IQueryableStores
{
    private int _readers;
    private int _closed;
    private volatile bool _running;
    private long _lagRecords = -1;

    public TaskId Id { get; } = id;

    public bool IsStandby { get; } = isStandby;

    /// <summary>Restored (active) or initialized (standby): queries may read.</summary>
    public bool Running
    {
        get => _running;
        set => _running = value;
    }

    public long StreamTime => streamTime();

    /// <summary>Records the stores trail by, when the owner knows (standbys); null otherwise.</summary>
    public long? LagRecords
    {
        get => Interlocked.Read(ref _lagRecords) is var lag and >= 0 ? lag : null;
        set => Interlocked.Exchange(ref _lagRecords, value ?? -1);
    }

    /// <summary>Enters the gate; false once the task is closing. Every successful entry is paired with <see cref="Exit"/>.</summary>
    public bool TryEnter()
    {
        // Increment, then look at the flag; the closer sets the flag, then waits for the count: a full fence on each
        // side means a reader either sees the flag or is seen by the closer.
        Interlocked.Increment(ref _readers);
        if (Volatile.Read(ref _closed) == 0)
        {
            return true;
        }

        Interlocked.Decrement(ref _readers);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref _readers);

    /// <summary>Refuses new readers and waits for those inside to leave; then the stores may close.</summary>
    public void CloseGate()
    {
        _running = false;
        Interlocked.Exchange(ref _closed, 1);
        var spin = new SpinWait();
        while (Volatile.Read(ref _readers) > 0)
        {
            spin.SpinOnce();
        }
    }

    public bool Has(string name) => stores.ContainsKey(name);

    public TStore Store<TStore>(string name)
        where TStore : class, IStateStore
    {
        if (!stores.TryGetValue(name, out var store))
        {
            throw new ArgumentException($"Task {Id} has no store '{name}'; it has {string.Join(", ", stores.Keys.Order(StringComparer.Ordinal))}.", nameof(name));
        }

        if (!typeof(TStore).IsInterface || !typeof(TStore).IsGenericType
            || typeof(TStore).GetGenericTypeDefinition() is var definition && definition != typeof(IReadOnlyKeyValueStore<,>) && definition != typeof(IReadOnlyWindowStore<,>))
        {
            throw new ArgumentException(
                $"Queries read stores as IReadOnlyKeyValueStore<,> or IReadOnlyWindowStore<,>, not as {typeof(TStore).Name}: a query must not write.", nameof(TStore));
        }

        return store as TStore ?? throw new InvalidCastException($"Store '{name}' is a {store.GetType().Name}, not a {typeof(TStore).Name}.");
    }
}
