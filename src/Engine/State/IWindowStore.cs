namespace Streams.Engine.State;

/// <summary>
/// A typed store of values per key and window start. Data older than the retention period (measured from the latest
/// window start written) expires.
/// </summary>
public interface IWindowStore<TKey, TValue> : IStateStore
{
    /// <summary>The size of the windows this store holds, used to report window ends.</summary>
    TimeSpan WindowSize { get; }

    /// <summary>How long windows are kept, measured back from the latest window start written.</summary>
    TimeSpan Retention { get; }

    /// <summary>
    /// Writes the value of a window. A store that retains duplicates appends instead of overwriting (join buffers).
    /// Writes to expired windows are ignored.
    /// </summary>
    void Put(TKey key, TValue value, long windowStart);

    /// <summary>Deletes the value of a window.</summary>
    void Delete(TKey key, long windowStart);

    /// <summary>The value of one window.</summary>
    bool TryFetch(TKey key, long windowStart, out TValue value);

    /// <summary>The windows of a key that start in [timeFrom, timeTo], by start time.</summary>
    IEnumerable<KeyValuePair<long, TValue>> Fetch(TKey key, long timeFrom, long timeTo);

    /// <summary>The windows of every key that start in [timeFrom, timeTo].</summary>
    IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> FetchAll(long timeFrom, long timeTo);

    /// <summary>Every live window.</summary>
    IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> All();
}
