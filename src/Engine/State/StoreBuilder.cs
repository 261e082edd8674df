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

    /// <summary>Turns changelogging off: the store is then lost with its local disk.</summary>
    public StoreBuilder WithLoggingDisabled()
    {
        LoggingEnabled = false;
        return this;
    }

    internal abstract IManagedStateStore Build();

    private protected abstract IReadOnlyDictionary<string, string> DefaultChangelogConfig();
}
