namespace Streams.Engine.State;

/// <summary>Factories for the engine's stores.</summary>
public static class Stores
{
    /// <summary>
    /// Windowed changelogs keep records this much longer than the store, as Kafka Streams does, so that clocks that
    /// disagree a little do not delete data a restoring task still needs.
    /// </summary>
    public static readonly TimeSpan ChangelogAdditionalRetention = TimeSpan.FromDays(1);

    /// <summary>A key-value store.</summary>
    public static StoreBuilder KeyValue<TKey, TValue>(string name, Serialization.ISerde<TKey> keySerde, Serialization.ISerde<TValue> valueSerde, StoreType type = StoreType.RocksDb) =>
        new KeyValueStoreBuilder<TKey, TValue>(name, type, keySerde, valueSerde);

    /// <summary>A window store for windows of <paramref name="windowSize"/>, kept for <paramref name="retention"/>.</summary>
    /// <param name="retainDuplicates">Keep every value written for the same key and window start (join buffers).</param>
    /// <param name="segmentInterval">
    /// The time one segment holds; by default derived from the retention. Which segment holds a window is part of the
    /// stored data's layout, so a store whose retention is a setting users may change over existing state needs a
    /// fixed interval.
    /// </param>
    public static StoreBuilder Window<TKey, TValue>(
        string name,
        Serialization.ISerde<TKey> keySerde,
        Serialization.ISerde<TValue> valueSerde,
        TimeSpan windowSize,
        TimeSpan retention,
        bool retainDuplicates = false,
        StoreType type = StoreType.RocksDb,
        TimeSpan? segmentInterval = null)
    {
        if (retention < windowSize)
        {
            throw new ArgumentException($"Window store '{name}': retention {retention} is shorter than the window size {windowSize}.", nameof(retention));
        }

        if (segmentInterval is { } interval && interval < TimeSpan.FromMilliseconds(1))
        {
            throw new ArgumentException($"Window store '{name}': the segment interval {interval} is shorter than a millisecond.", nameof(segmentInterval));
        }

        return new WindowStoreBuilder<TKey, TValue>(name, type, keySerde, valueSerde, windowSize, retention, retainDuplicates, segmentInterval);
    }

    /// <summary>A session store whose sessions are kept for <paramref name="retention"/> after they end.</summary>
    public static StoreBuilder Session<TKey, TValue>(
        string name, Serialization.ISerde<TKey> keySerde, Serialization.ISerde<TValue> valueSerde, TimeSpan retention, StoreType type = StoreType.RocksDb) =>
        new SessionStoreBuilder<TKey, TValue>(name, type, keySerde, valueSerde, retention);

    private sealed class KeyValueStoreBuilder<TKey, TValue>(string name, StoreType type, Serialization.ISerde<TKey> keySerde, Serialization.ISerde<TValue> valueSerde)
        : StoreBuilder(name, type)
    {
        private protected override StateStoreBase CreateStore() => new KeyValueStore<TKey, TValue>(Name, Type, LoggingEnabled, keySerde, valueSerde);

        private protected override IReadOnlyDictionary<string, string> DefaultChangelogConfig() =>
            new Dictionary<string, string> { ["cleanup.policy"] = "compact" };
    }

    private sealed class WindowStoreBuilder<TKey, TValue>(
        string name,
        StoreType type,
        Serialization.ISerde<TKey> keySerde,
        Serialization.ISerde<TValue> valueSerde,
        TimeSpan windowSize,
        TimeSpan retention,
        bool retainDuplicates,
        TimeSpan? segmentInterval) : StoreBuilder(name, type)
    {
        private protected override StateStoreBase CreateStore() =>
            new WindowStore<TKey, TValue>(Name, Type, LoggingEnabled, keySerde, valueSerde, windowSize, retention, retainDuplicates, segmentInterval);

        private protected override IReadOnlyDictionary<string, string> DefaultChangelogConfig() => new Dictionary<string, string>
        {
            // Duplicates are distinct keys, so compaction would keep every one: a join buffer needs deletion by time only.
            ["cleanup.policy"] = retainDuplicates ? "delete" : "compact,delete",
            ["retention.ms"] = ((long)(retention + ChangelogAdditionalRetention).TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    private sealed class SessionStoreBuilder<TKey, TValue>(
        string name,
        StoreType type,
        Serialization.ISerde<TKey> keySerde,
        Serialization.ISerde<TValue> valueSerde,
        TimeSpan retention) : StoreBuilder(name, type)
    {
        private protected override StateStoreBase CreateStore() => new SessionStore<TKey, TValue>(Name, Type, LoggingEnabled, keySerde, valueSerde, retention);

        private protected override IReadOnlyDictionary<string, string> DefaultChangelogConfig() => new Dictionary<string, string>
        {
            ["cleanup.policy"] = "compact,delete",
            ["retention.ms"] = ((long)(retention + ChangelogAdditionalRetention).TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}
