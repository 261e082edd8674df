using Streams.Engine.State;

namespace Streams.Engine.Dsl;

/// <summary>How an aggregation or table keeps its state.</summary>
/// <param name="StoreName">The store name (and so the changelog name); generated when null. Name stores you query or restore.</param>
public sealed record Materialized(string? StoreName = null)
{
    /// <summary>RocksDB (default) or in memory.</summary>
    public StoreType StoreType { get; init; } = StoreType.RocksDb;

    /// <summary>Whether the store is logged to a changelog topic (default true); an unlogged store starts empty whenever its task is opened.</summary>
    public bool LoggingEnabled { get; init; } = true;

    /// <summary>Window and session stores: how long results are kept; default the window size (or gap) plus grace.</summary>
    public TimeSpan? Retention { get; init; }

    /// <summary>A named RocksDB store.</summary>
    public static Materialized As(string storeName) => new(storeName);
}
