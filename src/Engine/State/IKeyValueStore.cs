namespace Streams.Engine.State;

/// <summary>A typed key-value store. Ranges follow the byte order of the serialized keys.</summary>
public interface IKeyValueStore<TKey, TValue> : IReadOnlyKeyValueStore<TKey, TValue>
{
    /// <summary>Writes a value. For reference types a null value deletes the key.</summary>
    void Put(TKey key, TValue value);

    /// <summary>Deletes a key.</summary>
    void Delete(TKey key);
}
