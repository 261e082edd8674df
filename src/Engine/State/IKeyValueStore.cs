namespace Streams.Engine.State;

/// <summary>A typed key-value store. Ranges follow the byte order of the serialized keys.</summary>
public interface IKeyValueStore<TKey, TValue> : IStateStore
{
    /// <summary>Looks a key up.</summary>
    bool TryGet(TKey key, out TValue value);

    /// <summary>The value under a key, or <c>default</c> when there is none.</summary>
    TValue? Get(TKey key);

    /// <summary>Writes a value. For reference types a null value deletes the key.</summary>
    void Put(TKey key, TValue value);

    /// <summary>Deletes a key.</summary>
    void Delete(TKey key);

    /// <summary>
    /// Entries with <paramref name="from"/> &lt;= key &lt;= <paramref name="to"/>, in serialized-key order. A null bound
    /// leaves that end open. The store may be written while a range is read; whether the range sees those writes is
    /// not defined (a RocksDB store reads a snapshot taken when the range starts, an in-memory one a chunk at a time).
    /// </summary>
    IEnumerable<KeyValuePair<TKey, TValue>> Range(TKey? from, TKey? to);

    /// <summary>Every entry, in serialized-key order.</summary>
    IEnumerable<KeyValuePair<TKey, TValue>> All();
}
