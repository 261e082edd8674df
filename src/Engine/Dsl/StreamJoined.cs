using Streams.Engine.Serialization;
using Streams.Engine.State;

namespace Streams.Engine.Dsl;

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
