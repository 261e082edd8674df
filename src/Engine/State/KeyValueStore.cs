using Streams.Engine.Serialization;

namespace Streams.Engine.State;

/// <summary>A typed key-value store over a bytes store.</summary>
internal sealed class KeyValueStore<TKey, TValue>(
    string name,
    StoreType type,
    bool logged,
    ISerde<TKey> keySerde,
    ISerde<TValue> valueSerde) : TypedStoreBase<TKey, TValue>(name, type, logged, keySerde, valueSerde), IKeyValueStore<TKey, TValue>
{
    public bool TryGet(TKey key, out TValue value)
    {
        Operations.Get.Increment();
        return Store.TryRead(SerializeKey(key), ValueReader, out value);
    }

    public TValue? Get(TKey key) => TryGet(key, out var value) ? value : default;

    public void Put(TKey key, TValue value)
    {
        var bytes = SerializeValue(value);
        Operations.CountWrite(bytes);
        Store.Put(SerializeKey(key), bytes);
    }

    public void Delete(TKey key)
    {
        Operations.Delete.Increment();
        Store.Put(SerializeKey(key), null);
    }

    public IEnumerable<KeyValuePair<TKey, TValue>> Range(TKey? from, TKey? to)
    {
        byte[]? toExclusive = null;
        if (to is not null)
        {
            // The smallest key after `to` in byte order is `to` followed by a zero byte.
            var upper = SerializeKey(to);
            toExclusive = new byte[upper.Length + 1];
            upper.CopyTo(toExclusive, 0);
        }

        Operations.Range.Increment();
        return Read(Store.Range(from is null ? null : SerializeKey(from), toExclusive));
    }

    public IEnumerable<KeyValuePair<TKey, TValue>> All()
    {
        Operations.Range.Increment();
        return Read(Store.Range(null, null));
    }

    private IEnumerable<KeyValuePair<TKey, TValue>> Read(IEnumerable<KeyValuePair<byte[], byte[]>> entries)
    {
        foreach (var (key, value) in entries)
        {
            yield return new KeyValuePair<TKey, TValue>(DeserializeKey(key), DeserializeValue(value));
        }
    }
}
