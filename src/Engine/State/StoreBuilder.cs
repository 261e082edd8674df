namespace Streams.Engine.State;

/// <summary>
/// Describes a store: name, backend, logging. The topology builds one store instance per task from it. Obtain one from
/// <see cref="Stores"/>.
/// </summary>
public abstract class StoreBuilder
{
    private protected StoreBuilder(string name, StoreType type)
    {
        if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(['/', '\\', ' ']) >= 0)
        {
            throw new ArgumentException($"Store name '{name}' is not valid: it names a directory and a topic.", nameof(name));
        }

        Name = name;
        Type = type;
    }

    /// <summary>The store name.</summary>
    public string Name { get; }

    /// <summary>The backend.</summary>
    public StoreType Type { get; }

    /// <summary>True (the default) when changes go to the changelog topic, so the store can be restored elsewhere.</summary>
    public bool LoggingEnabled { get; private set; } = true;

    /// <summary>The changelog topic's configuration, which depends on the store's kind (compaction, retention).</summary>
    public IReadOnlyDictionary<string, string> ChangelogConfig => DefaultChangelogConfig();

    /// <summary>
    /// True (the default) when the store's writes collect in the stream thread's record cache until the next commit
    /// (see <see cref="StreamsConfig.StateStoreCacheMaxBytes"/>); processors read their own writes either way.
    /// </summary>
    public bool CachingEnabled { get; private set; } = true;

    /// <summary>Writes go to the store and its changelog at once, one by one, whatever the record cache's size.</summary>
    public StoreBuilder WithCachingDisabled()
    {
        CachingEnabled = false;
        return this;
    }

    /// <summary>
    /// Turns changelogging off: the store then starts empty whenever its task is opened (after a restart, a
    /// rebalance or a takeover), RocksDB or in memory alike, since nothing could tell whether a copy left on disk is current.
    /// </summary>
    public StoreBuilder WithLoggingDisabled()
    {
        LoggingEnabled = false;
        return this;
    }

    internal IManagedStateStore Build()
    {
        var store = CreateStore();
        store.CachingEnabled = CachingEnabled;
        return store;
    }

    private protected abstract StateStoreBase CreateStore();

    private protected abstract IReadOnlyDictionary<string, string> DefaultChangelogConfig();
}
