using Streams.Engine.Serialization;

namespace Streams.Engine.State;

/// <summary>
/// A typed window store: layout <c>[segment][key][start][seq]</c>. The sequence number tells duplicates apart in stores
/// that retain them (join buffers) and is 0 otherwise.
/// </summary>
internal sealed class WindowStore<TKey, TValue>(
    string name,
    StoreType type,
    bool logged,
    ISerde<TKey> keySerde,
    ISerde<TValue> valueSerde,
    TimeSpan windowSize,
    TimeSpan retention,
    bool retainDuplicates,
    TimeSpan? segmentInterval)
    : SegmentedStoreBase<TKey, TValue>(name, type, logged, keySerde, valueSerde, retention, segmentInterval), IWindowStore<TKey, TValue>
{
    private readonly long _windowSizeMs = (long)windowSize.TotalMilliseconds;

    // A random start makes it unlikely that duplicates written after a restart overwrite ones written before; 31 bits
    // keep [key][start][long.MaxValue] a strict upper bound for range scans.
    private int _sequence = Random.Shared.Next();

    public TimeSpan WindowSize { get; } = windowSize;

    public void Put(TKey key, TValue value, long windowStart)
    {
        var sequence = retainDuplicates ? (_sequence = (_sequence + 1) & int.MaxValue) : 0;
        PutEntry(windowStart, SerializeKey(key), sequence, SerializeValue(value));
    }

    public void Delete(TKey key, long windowStart)
    {
        if (retainDuplicates)
        {
            throw new NotSupportedException($"Window store '{Name}' retains duplicates; its entries expire, they are not deleted.");
        }

        PutEntry(windowStart, SerializeKey(key), 0, null);
    }

    public bool TryFetch(TKey key, long windowStart, out TValue value)
    {
        if (!retainDuplicates)
        {
            return TryGetEntry(windowStart, SerializeKey(key), 0, out value);
        }

        var bytes = FirstValue(SerializeKey(key), windowStart);
        value = bytes is null ? default! : DeserializeValue(bytes);
        return bytes is not null;
    }

    public IEnumerable<KeyValuePair<long, TValue>> Fetch(TKey key, long timeFrom, long timeTo)
    {
        foreach (var (storeKey, value) in ScanKey(SerializeKey(key), timeFrom, timeTo))
        {
            yield return new KeyValuePair<long, TValue>(Layout.Time1(storeKey), DeserializeValue(value));
        }
    }

    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> FetchAll(long timeFrom, long timeTo)
    {
        foreach (var (storeKey, value) in ScanByTime(timeFrom, timeTo))
        {
            var start = Layout.Time1(storeKey);
            var windowed = new Windowed<TKey>(DeserializeKey(Layout.RecordKey(storeKey)), new Window(start, start + _windowSizeMs));
            yield return new KeyValuePair<Windowed<TKey>, TValue>(windowed, DeserializeValue(value));
        }
    }

    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> All() => FetchAll(0, long.MaxValue);

    private byte[]? FirstValue(byte[] recordKey, long windowStart)
    {
        foreach (var entry in ScanKey(recordKey, windowStart, windowStart))
        {
            return entry.Value;
        }

        return null;
    }
}
