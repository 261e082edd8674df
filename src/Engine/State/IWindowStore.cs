namespace Streams.Engine.State;

/// <summary>
/// A typed store of values per key and window start. Data older than the retention period (measured from the latest
/// window start written) expires.
/// </summary>
public interface IWindowStore<TKey, TValue> : IReadOnlyWindowStore<TKey, TValue>
{
    /// <summary>
    /// Writes the value of a window. A store that retains duplicates appends instead of overwriting (join buffers).
    /// Writes to expired windows are ignored.
    /// </summary>
    void Put(TKey key, TValue value, long windowStart);

    /// <summary>Deletes the value of a window.</summary>
    void Delete(TKey key, long windowStart);
}
