using Streams.Engine.Serialization;
using Streams.Engine.State;

namespace Streams.Engine.Dsl;

/// <summary>How an aggregation or table keeps its state.</summary>
/// <param name="StoreName">The store name (and so the changelog name); generated when null. Name stores you query or restore.</param>
public sealed record Materialized(string? StoreName = null)
{
    /// <summary>RocksDB (default) or in memory.</summary>
    public StoreType StoreType { get; init; } = StoreType.RocksDb;

    /// <summary>Whether the store is logged to a changelog topic (default true).</summary>
    public bool LoggingEnabled { get; init; } = true;

    /// <summary>Window and session stores: how long results are kept; default the window size (or gap) plus grace.</summary>
    public TimeSpan? Retention { get; init; }

    /// <summary>A named RocksDB store.</summary>
    public static Materialized As(string storeName) => new(storeName);
}

/// <summary>Serdes (and a name) for a repartition before grouping.</summary>
public sealed record Grouped<TKey, TValue>(ISerde<TKey>? KeySerde = null, ISerde<TValue>? ValueSerde = null, string? Name = null);

/// <summary>Factories for <see cref="Grouped{TKey, TValue}"/>.</summary>
public static class Grouped
{
    /// <summary>Serdes for the grouped stream.</summary>
    public static Grouped<TKey, TValue> With<TKey, TValue>(ISerde<TKey> keySerde, ISerde<TValue> valueSerde, string? name = null) =>
        new(keySerde, valueSerde, name);
}

/// <summary>Serdes (and a name) for the buffers of a stream–stream join; unset serdes come from the joined streams.</summary>
public sealed record StreamJoined<TKey, TValue, TOtherValue>(
    ISerde<TKey>? KeySerde = null,
    ISerde<TValue>? ValueSerde = null,
    ISerde<TOtherValue>? OtherValueSerde = null,
    string? Name = null)
{
    /// <summary>RocksDB (default) or in memory, for both join buffers.</summary>
    public StoreType StoreType { get; init; } = StoreType.RocksDb;
}
