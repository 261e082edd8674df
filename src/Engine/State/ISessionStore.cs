namespace Streams.Engine.State;

/// <summary>
/// A typed store of sessions: per key, windows [start, end] where end is the timestamp of the session's last record.
/// Sessions whose end is older than the retention period (measured from the latest end written) expire.
/// </summary>
public interface ISessionStore<TKey, TValue> : IStateStore
{
    /// <summary>
    /// The sessions of a key that end at or after <paramref name="earliestSessionEndTime"/> and start at or before
    /// <paramref name="latestSessionStartTime"/>: the ones a record may merge with.
    /// </summary>
    IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> FindSessions(TKey key, long earliestSessionEndTime, long latestSessionStartTime);

    /// <summary>The sessions of every key that end in [endFrom, endTo].</summary>
    IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> FindSessionsEndingBetween(long endFrom, long endTo);

    /// <summary>The value of one session.</summary>
    bool TryFetchSession(TKey key, long start, long end, out TValue value);

    /// <summary>Writes a session.</summary>
    void Put(Windowed<TKey> session, TValue value);

    /// <summary>Removes a session (e.g. after it merged into another).</summary>
    void Remove(Windowed<TKey> session);

    /// <summary>Every live session.</summary>
    IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> All();
}
