namespace Streams.Engine.State;

/// <summary>
/// The life cycle every store shares: opening its backend under the task's state directory, wrapping it for logging,
/// restoring changelog batches underneath the logging layer, flushing and closing.
/// </summary>
internal abstract class StateStoreBase(string name, StoreType type, bool logged) : IManagedStateStore
{
    private IKeyValueBytesStore? _backend;
    private IKeyValueBytesStore? _store;
    private CachingBytesStore? _cache;

    public string Name { get; } = name;

    public StoreType Type { get; } = type;

    public bool IsPersistent => Type == StoreType.RocksDb;

    public bool IsLogged { get; } = logged;

    public bool IsOpen => _store is not null;

    /// <summary>Whether writes may collect in the stream thread's record cache (see <see cref="StoreBuilder.CachingEnabled"/>).</summary>
    internal bool CachingEnabled { get; set; } = true;

    public long ApproximateCount => Backend.ApproximateCount;

    public string? Directory { get; private set; }

    /// <summary>What processors and queries ask of the store, counted by the typed store that answers them.</summary>
    protected StoreOperationCounters Operations { get; private set; } = StoreOperationCounters.Unregistered;

    /// <summary>The store as processors write to it (logged when logging is on).</summary>
    protected IKeyValueBytesStore Store => _store ?? throw new InvalidOperationException($"State store '{Name}' is not open.");

    /// <summary>The backend under the logging layer.</summary>
    protected IKeyValueBytesStore Backend => _backend ?? throw new InvalidOperationException($"State store '{Name}' is not open.");

    /// <summary>Where a persistent store of a task keeps its RocksDB files.</summary>
    public static string DirectoryFor(string taskStateDirectory, string storeName) => Path.Combine(taskStateDirectory, "rocksdb", storeName);

    public void Init(StateStoreContext context)
    {
        if (_store is not null)
        {
            throw new InvalidOperationException($"State store '{Name}' is already open.");
        }

        if (Type == StoreType.RocksDb)
        {
            Directory = DirectoryFor(context.TaskStateDirectory, Name);
            if (!IsLogged && System.IO.Directory.Exists(Directory))
            {
                // With no changelog nothing can tell whether what an earlier run or owner left on disk is current, or
                // whether a user in it has since been forgotten elsewhere: an unlogged store starts empty at every
                // open, as an in-memory one does, and so its type never changes what processors see.
                System.IO.Directory.Delete(Directory, recursive: true);
            }

            _backend = new RocksDbBytesStore(Directory, context.Logger);
        }
        else
        {
            _backend = new InMemoryBytesStore();
        }

        _store = IsLogged ? new ChangeLoggingBytesStore(_backend, Name, context.ChangelogWriter) : _backend;
        if (CachingEnabled && context.Cache is { MaxBytes: > 0 } cache)
        {
            var writer = context.ChangelogWriter;
            _store = _cache = new CachingBytesStore(_store, cache, () => writer.CurrentTimestamp);
        }

        Operations = StoreOperationCounters.For(context.Metrics, Name);
        OnOpened(context);
    }

    public void Restore(IReadOnlyList<KeyValuePair<byte[], byte[]?>> batch)
    {
        _cache?.Invalidate();
        Backend.WriteBatch(batch);
        OnRestored(batch);
    }

    public void Flush() => _backend?.Flush();

    public void Close()
    {
        if (_backend is null)
        {
            return;
        }

        // Changes still cached were not committed: they are dropped with the cache, as they would be by a crash.
        _cache?.Dispose();
        _backend.Flush();
        _backend.Dispose();
        _backend = null;
        _store = null;
        _cache = null;
    }

    /// <summary>Called once the backend is open, e.g. to prepare serialization contexts or read what is on disk.</summary>
    protected virtual void OnOpened(StateStoreContext context)
    {
    }

    /// <summary>Called after a changelog batch was written under the logging layer.</summary>
    protected virtual void OnRestored(IReadOnlyList<KeyValuePair<byte[], byte[]?>> batch)
    {
    }
}

/// <summary>The engine-side view of a store: life cycle and restoration, which processors never call.</summary>
internal interface IManagedStateStore : IStateStore
{
    StoreType Type { get; }

    /// <summary>The RocksDB directory of a persistent store once open; null for in-memory stores.</summary>
    string? Directory { get; }

    void Init(StateStoreContext context);

    void Restore(IReadOnlyList<KeyValuePair<byte[], byte[]?>> batch);

    void Flush();

    void Close();
}
