using Streams.Engine.Serialization;

namespace Streams.Engine.State;

/// <summary>A typed session store: layout <c>[segment(end)][key][end][start]</c>.</summary>
internal sealed class SessionStore<TKey, TValue>(
    string name,
    StoreType type,
    bool logged,
    ISerde<TKey> keySerde,
    ISerde<TValue> valueSerde,
    TimeSpan retention)
    : SegmentedStoreBase<TKey, TValue>(name, type, logged, keySerde, valueSerde, retention), ISessionStore<TKey, TValue>
{
    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> FindSessions(TKey key, long earliestSessionEndTime, long latestSessionStartTime)
    {
        foreach (var entry in ScanKey(SerializeKey(key), earliestSessionEndTime, long.MaxValue))
        {
            if (Layout.Time2(entry.Key) <= latestSessionStartTime)
            {
                yield return Entry(entry.Key, entry.Value);
            }
        }
    }

    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> FindSessionsEndingBetween(long endFrom, long endTo)
    {
        foreach (var entry in ScanByTime(endFrom, endTo))
        {
            yield return Entry(entry.Key, entry.Value);
        }
    }

    public bool TryFetchSession(TKey key, long start, long end, out TValue value) => TryGetEntry(end, SerializeKey(key), start, out value);

    public void Put(Windowed<TKey> session, TValue value) =>
        PutEntry(session.Window.End, SerializeKey(session.Key), session.Window.Start, SerializeValue(value));

    public void Remove(Windowed<TKey> session) =>
        PutEntry(session.Window.End, SerializeKey(session.Key), session.Window.Start, null);

    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> All() => FindSessionsEndingBetween(0, long.MaxValue);

    private KeyValuePair<Windowed<TKey>, TValue> Entry(byte[] storeKey, byte[] value)
    {
        var window = new Window(Layout.Time2(storeKey), Layout.Time1(storeKey));
        return new KeyValuePair<Windowed<TKey>, TValue>(new Windowed<TKey>(DeserializeKey(Layout.RecordKey(storeKey)), window), DeserializeValue(value));
    }
}
