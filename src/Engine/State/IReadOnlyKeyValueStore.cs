namespace Streams.Engine.State;

/// <summary>
/// The reading half of a key-value store: what processors read and what interactive queries may touch. Queries reach a
/// store from other threads than the task's, so only reads are offered there.
/// </summary>
public interface IReadOnlyKeyValueStore<TKey, TValue> : IStateStore
{
    /// <summary>Looks a key up.</summary>
    bool TryGet(TKey key, out TValue value);

    /// <summary>The value under a key, or <c>default</c> when there is none.</summary>
    TValue? Get(TKey key);

    /// <summary>
    /// Entries with <paramref name="from"/> &lt;= key &lt;= <paramref name="to"/>, in serialized-key order. A null bound
    /// leaves that end open. The store may be written while a range is read; whether the range sees those writes is
    /// not defined (a RocksDB store reads a snapshot taken when the range starts, an in-memory one a chunk at a time).
    /// </summary>
    IEnumerable<KeyValuePair<TKey, TValue>> Range(TKey? from, TKey? to);

    /// <summary>Every entry, in serialized-key order.</summary>
    IEnumerable<KeyValuePair<TKey, TValue>> All();
}
