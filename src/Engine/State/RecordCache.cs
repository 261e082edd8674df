using Streams.Engine.Metrics;

namespace Streams.Engine.State;

/// <summary>
/// A stream thread's record cache budget (statestore.cache.max.bytes), shared by the caching layers of the stores of
/// the thread's tasks. Writes collect in the caches and reach the stores and their changelogs when the thread commits
/// (<see cref="FlushAll"/>), so a key written many times between commits costs one store write and one changelog
/// record. When the caches together outgrow the budget, the largest is written out and emptied. Only the stream thread
/// writes; interactive queries read the caches under each store's lock without adding to them.
/// </summary>
internal sealed class RecordCache
{
    /// <summary>What a cached key costs beyond its key and value buffers: its entry, dictionary slot and sorted-set node, roughly.</summary>
    internal const int EntryOverhead = 112;

    private readonly List<CachingBytesStore> _stores = [];
    private readonly Counter _hits;
    private readonly Counter _misses;
    private readonly Counter _evictions;
    private readonly Gauge _size;
    private long _bytes;

    public RecordCache(long maxBytes, StreamsMetrics metrics, string thread)
    {
        MaxBytes = maxBytes;
        Pool = new RecordCachePool(maxBytes, EntryOverhead);
        _hits = metrics.Counter(RecordCacheMetrics.Reads, thread, "hit");
        _misses = metrics.Counter(RecordCacheMetrics.Reads, thread, "miss");
        _evictions = metrics.Counter(RecordCacheMetrics.Evictions, thread);
        _size = metrics.Gauge(RecordCacheMetrics.Bytes, thread);
    }

    public long MaxBytes { get; }

    /// <summary>The keys, values and entries the thread's caches reuse.</summary>
    public RecordCachePool Pool { get; }

    /// <summary>Bytes held by the caches of this thread's open stores.</summary>
    public long Bytes => _bytes;

    /// <summary>Writes every cache's changes to its store and changelog; before each commit.</summary>
    public void FlushAll()
    {
        foreach (var store in _stores)
        {
            store.FlushCache();
        }

        _size.Set(_bytes);
    }

    internal void Register(CachingBytesStore store) => _stores.Add(store);

    internal void Unregister(CachingBytesStore store)
    {
        _stores.Remove(store);
        _bytes -= store.CachedBytes;
    }

    internal void CountRead(bool hit) => (hit ? _hits : _misses).Increment();

    /// <summary>Charges <paramref name="bytes"/> to the budget; when it is exceeded, writes out and empties the largest caches.</summary>
    internal void Grow(long bytes)
    {
        _bytes += bytes;
        while (_bytes > MaxBytes && Largest() is { CachedBytes: > 0 } largest)
        {
            _evictions.Increment();
            largest.FlushCache();
            _bytes -= largest.Clear();
        }
    }

    internal void Release(long bytes) => _bytes -= bytes;

    private CachingBytesStore? Largest()
    {
        CachingBytesStore? largest = null;
        foreach (var store in _stores)
        {
            if (largest is null || store.CachedBytes > largest.CachedBytes)
            {
                largest = store;
            }
        }

        return largest;
    }
}
