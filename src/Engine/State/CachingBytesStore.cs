namespace Streams.Engine.State;

/// <summary>
/// The caching layer of a store, above its logging layer: reads are answered from memory when the key was read or
/// written since the last eviction, and writes stay in memory until the thread commits (or the thread's
/// <see cref="RecordCache"/> budget is full), when each changed key is written once to the store and once to the
/// changelog, with the timestamp of its latest write. Range reads merge the cached changes into the store's range.
/// Downstream records are not held back: processors forward as they always do. Keys and values are copied into the
/// thread's <see cref="RecordCachePool"/> on the way in and out of it on the way out, so the arrays callers pass and
/// receive die young and what the cache holds is reused rather than collected.
/// </summary>
internal sealed class CachingBytesStore : IKeyValueBytesStore
{
    private static readonly ValueReader<byte[]> CopyOut = static bytes => bytes.ToArray();

    private readonly IKeyValueBytesStore _inner;
    private readonly RecordCache _cache;
    private readonly RecordCachePool _pool;
    private readonly Func<long> _timestamp;
    private readonly int _owner = Environment.CurrentManagedThreadId;
    private readonly Dictionary<CachedKey, RecordCacheEntry> _entries = new(CachedKeyComparer.Instance);
    private readonly Dictionary<CachedKey, RecordCacheEntry>.AlternateLookup<ReadOnlySpan<byte>> _byBytes;
    private readonly List<RecordCacheEntry> _dirty = [];
    private readonly List<KeyValuePair<byte[], byte[]?>> _batch = [];
    private readonly List<long> _batchTimestamps = [];
    private readonly Lock _sync = new();

    // The cached keys in order, for range reads; built at a store's first range read, since stores read only by key
    // (a count's windows, for one) would pay an ordered insert per cached key for nothing. Deleting a range does not
    // build it.
    private SortedSet<CachedKey>? _order;

    /// <param name="inner">The store below: the logging layer of a logged store, else the backend.</param>
    /// <param name="cache">The thread's budget, which this cache registers with.</param>
    /// <param name="timestamp">The timestamp of the record being processed, which a write carries to the changelog.</param>
    public CachingBytesStore(IKeyValueBytesStore inner, RecordCache cache, Func<long> timestamp)
    {
        _inner = inner;
        _cache = cache;
        _pool = cache.Pool;
        _timestamp = timestamp;
        _byBytes = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
        cache.Register(this);
    }

    /// <summary>Bytes this cache holds, as charged to the thread's budget.</summary>
    public long CachedBytes { get; private set; }

    public long ApproximateCount => _inner.ApproximateCount;

    public byte[]? Get(byte[] key) => TryRead(key, CopyOut, out var value) ? value : null;

    /// <summary>
    /// A hit is decoded from the cache's own buffer, under the lock, without copying the value out first; a miss reads
    /// the store below, and the stream thread caches what it found.
    /// </summary>
    public bool TryRead<T>(byte[] key, ValueReader<T> read, out T value)
    {
        var owner = Environment.CurrentManagedThreadId == _owner;
        byte[]? stored;
        long grown = 0;
        lock (_sync)
        {
            if (_byBytes.TryGetValue(key, out var cached))
            {
                if (owner)
                {
                    _cache.CountRead(hit: true);
                }

                value = cached.Value is null ? default! : read(cached.Value.AsSpan(0, cached.ValueLength));
                return cached.Value is not null;
            }

            stored = _inner.Get(key);
            // A query's read is answered, but not cached: the cache is the stream thread's working set, not the readers'.
            if (owner)
            {
                _cache.CountRead(hit: false);
                grown = Add(key, stored, dirty: false, 0);
            }
        }

        if (owner)
        {
            _cache.Grow(grown);
        }

        value = stored is null ? default! : read(stored);
        return stored is not null;
    }

    public void Put(byte[] key, byte[]? value)
    {
        long grown;
        lock (_sync)
        {
            grown = Add(key, value, dirty: true, _timestamp());
        }

        _cache.Grow(grown);
    }

    public IEnumerable<KeyValuePair<byte[], byte[]>> Range(byte[]? from, byte[]? toExclusive)
    {
        var cached = CachedRange(from, toExclusive);
        return cached is null ? _inner.Range(from, toExclusive) : Merge(cached, _inner.Range(from, toExclusive));
    }

    public byte[]? LastKey()
    {
        lock (_sync)
        {
            if (_entries.Count == 0)
            {
                return _inner.LastKey();
            }
        }

        byte[]? last = null;
        foreach (var entry in Range(null, null))
        {
            last = entry.Key;
        }

        return last;
    }

    public void DeleteRange(byte[] from, byte[] toExclusive)
    {
        long freed = 0;
        lock (_sync)
        {
            if (_entries.Count > 0)
            {
                foreach (var key in _order is null ? UnorderedCachedKeys(from, toExclusive) : CachedKeys(from, toExclusive).ToList())
                {
                    var entry = _entries[key];
                    _entries.Remove(key);
                    _order?.Remove(key);
                    freed += Size(entry);
                    Release(entry);
                }

                CachedBytes -= freed;
            }

            _inner.DeleteRange(from, toExclusive);
        }

        _cache.Release(freed);
    }

    public void WriteBatch(IReadOnlyList<KeyValuePair<byte[], byte[]?>> batch)
    {
        foreach (var (key, value) in batch)
        {
            Put(key, value);
        }
    }

    public void Flush()
    {
        FlushCache();
        _inner.Flush();
    }

    /// <summary>Writes the changed keys to the store below (and so to the changelog); they stay cached, clean.</summary>
    public void FlushCache()
    {
        lock (_sync)
        {
            if (_dirty.Count == 0)
            {
                return;
            }

            foreach (var entry in _dirty)
            {
                if (!entry.Removed)
                {
                    _batch.Add(new KeyValuePair<byte[], byte[]?>(entry.Key.ToArray(), entry.CopyValue()));
                    _batchTimestamps.Add(entry.Timestamp);
                }
            }

            try
            {
                if (_inner is ChangeLoggingBytesStore logging)
                {
                    logging.WriteBatch(_batch, _batchTimestamps);
                }
                else
                {
                    _inner.WriteBatch(_batch);
                }
            }
            finally
            {
                _batch.Clear();
                _batchTimestamps.Clear();
            }

            // Only once written: a write that throws leaves the changes dirty, to be written by the next flush.
            foreach (var entry in _dirty)
            {
                entry.Dirty = false;
                if (entry.Removed)
                {
                    _pool.Return(entry);
                }
            }

            _dirty.Clear();
        }
    }

    /// <summary>
    /// Drops every cached key, changed or not (after <see cref="FlushCache"/>, or when the changes are void), and
    /// returns the bytes freed.
    /// </summary>
    public long Clear()
    {
        lock (_sync)
        {
            foreach (var entry in _dirty)
            {
                if (entry.Removed)
                {
                    _pool.Return(entry);
                }
            }

            _dirty.Clear();
            foreach (var entry in _entries.Values)
            {
                entry.Dirty = false;
                Release(entry);
            }

            _entries.Clear();
            _order?.Clear();
            var freed = CachedBytes;
            CachedBytes = 0;
            return freed;
        }
    }

    /// <summary>Forgets what is cached because the store below changed underneath (restoration).</summary>
    public void Invalidate() => _cache.Release(Clear());

    /// <summary>Leaves the thread's budget with whatever is cached; the store below is closed by its owner.</summary>
    public void Dispose()
    {
        _cache.Unregister(this);
        Clear();
    }

    private long Add(byte[] key, byte[]? value, bool dirty, long timestamp)
    {
        if (_byBytes.TryGetValue(key, out var entry))
        {
            var before = Size(entry);
            Store(entry, value);
            if (dirty)
            {
                entry.Timestamp = timestamp;
                if (!entry.Dirty)
                {
                    entry.Dirty = true;
                    _dirty.Add(entry);
                }
            }

            var delta = Size(entry) - before;
            CachedBytes += delta;
            return delta;
        }

        entry = _pool.RentEntry();
        entry.Key = new CachedKey(_pool.Copy(key), key.Length);
        entry.Dirty = dirty;
        entry.Timestamp = timestamp;
        Store(entry, value);
        _entries.Add(entry.Key, entry);
        _order?.Add(entry.Key);
        if (dirty)
        {
            _dirty.Add(entry);
        }

        var size = Size(entry);
        CachedBytes += size;
        return size;
    }

    /// <summary>Copies <paramref name="value"/> into the entry, into the buffer it has where the value fits that buffer's size.</summary>
    private void Store(RecordCacheEntry entry, byte[]? value)
    {
        if (value is null)
        {
            ReleaseValue(entry);
            return;
        }

        if (entry.Value is null || entry.Value.Length != RecordCachePool.BufferLength(value.Length))
        {
            ReleaseValue(entry);
            entry.Value = _pool.Rent(value.Length);
        }

        value.CopyTo(entry.Value, 0);
        entry.ValueLength = value.Length;
    }

    private void ReleaseValue(RecordCacheEntry entry)
    {
        if (entry.Value is { } buffer)
        {
            entry.Value = null;
            entry.ValueLength = 0;
            _pool.Return(buffer);
        }
    }

    /// <summary>
    /// Gives a key that left the cache back to the pool. An entry with a pending write stays in the list of changes,
    /// marked removed, until the next flush or clear drops it; it is returned to the pool then.
    /// </summary>
    private void Release(RecordCacheEntry entry)
    {
        ReleaseValue(entry);
        _pool.Return(entry.Key.Buffer);
        entry.Key = default;
        entry.Removed = true;
        if (!entry.Dirty)
        {
            _pool.Return(entry);
        }
    }

    private static long Size(RecordCacheEntry entry) => entry.Key.Buffer.Length + (entry.Value?.Length ?? 0) + RecordCache.EntryOverhead;

    /// <summary>A copy of the cached keys in the range (readers on other threads must not see the set change under them).</summary>
    private List<KeyValuePair<byte[], byte[]?>>? CachedRange(byte[]? from, byte[]? toExclusive)
    {
        List<KeyValuePair<byte[], byte[]?>>? result = null;
        lock (_sync)
        {
            if (_entries.Count == 0)
            {
                return null;
            }

            foreach (var key in CachedKeys(from, toExclusive))
            {
                (result ??= []).Add(new KeyValuePair<byte[], byte[]?>(key.ToArray(), _entries[key].CopyValue()));
            }
        }

        return result;
    }

    /// <summary>The cached keys with <paramref name="from"/> &lt;= key &lt; <paramref name="toExclusive"/> in key order (null bounds are open); read under the lock.</summary>
    private IEnumerable<CachedKey> CachedKeys(byte[]? from, byte[]? toExclusive)
    {
        if (_entries.Count == 0)
        {
            yield break;
        }

        var order = _order ??= new SortedSet<CachedKey>(_entries.Keys, CachedKeyComparer.Instance);
        var lower = from is null ? order.Min : CachedKey.Of(from);
        var upper = toExclusive is null ? order.Max : CachedKey.Of(toExclusive);
        if (CachedKeyComparer.Instance.Compare(lower, upper) > 0)
        {
            yield break;
        }

        foreach (var key in order.GetViewBetween(lower, upper))
        {
            if (toExclusive is null || key.Span.SequenceCompareTo(toExclusive) < 0)
            {
                yield return key;
            }
        }
    }

    /// <summary>
    /// The cached keys in the range, in no order, found by looking at each: for a store never range-read, whose expired
    /// segments are deleted now and then, a scan of the cache at each deletion costs less than keeping every key in
    /// order between them.
    /// </summary>
    private List<CachedKey> UnorderedCachedKeys(byte[] from, byte[] toExclusive)
    {
        var keys = new List<CachedKey>();
        foreach (var key in _entries.Keys)
        {
            if (key.Span.SequenceCompareTo(from) >= 0 && key.Span.SequenceCompareTo(toExclusive) < 0)
            {
                keys.Add(key);
            }
        }

        return keys;
    }

    /// <summary>The store's range with the cached keys laid over it: a cached value wins, a cached deletion hides the key.</summary>
    private static IEnumerable<KeyValuePair<byte[], byte[]>> Merge(List<KeyValuePair<byte[], byte[]?>> cached, IEnumerable<KeyValuePair<byte[], byte[]>> stored)
    {
        var next = 0;
        foreach (var entry in stored)
        {
            var order = 1;
            while (next < cached.Count && (order = ByteArrayComparer.Instance.Compare(cached[next].Key, entry.Key)) <= 0)
            {
                if (cached[next].Value is { } value)
                {
                    yield return new KeyValuePair<byte[], byte[]>(cached[next].Key, value);
                }

                next++;
                if (order == 0)
                {
                    break;
                }
            }

            if (order != 0)
            {
                yield return entry;
            }
        }

        for (; next < cached.Count; next++)
        {
            if (cached[next].Value is { } value)
            {
                yield return new KeyValuePair<byte[], byte[]>(cached[next].Key, value);
            }
        }
    }
}
