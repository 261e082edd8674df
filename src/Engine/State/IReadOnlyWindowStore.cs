namespace Streams.Engine.State;

/// <summary>The reading half of a window store: what processors read and what interactive queries may touch.</summary>
public interface IReadOnlyWindowStore<TKey, TValue> : IStateStore
{
    /// <summary>The size of the windows this store holds, used to report window ends.</summary>
    TimeSpan WindowSize { get; }

    /// <summary>How long windows are kept, measured back from the latest window start written.</summary>
    TimeSpan Retention { get; }

    /// <summary>The value of one window.</summary>
    bool TryFetch(TKey key, long windowStart, out TValue value);

    /// <summary>The windows of a key that start in [timeFrom, timeTo], by start time.</summary>
    IEnumerable<KeyValuePair<long, TValue>> Fetch(TKey key, long timeFrom, long timeTo);

    /// <summary>The windows of every key that start in [timeFrom, timeTo].</summary>
    IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> FetchAll(long timeFrom, long timeTo);

    /// <summary>Every live window.</summary>
    IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> All();
}
