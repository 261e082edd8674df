namespace Streams.Engine.State;

/// <summary>
/// The caching layer of a store, above its logging layer: reads are answered from memory when the key was read or
/// written since the last eviction, and writes stay in memory until the thread commits (or the thread's
/// <see cref="RecordCache"/> budget is full), when each changed key is written once to the store and once to the
/// changelog, with the timestamp of its latest write. Range reads merge the cached changes into the store's range.
/// Downstream records are not held back: processors forward as they always do.
/// </summary>
internal sealed class CachingBytesStore : IKeyValueBytesStore
{
    // Dictionary, sorted-set node and entry object of a cached key, roughly.
    private const int EntryOverhead = 112;

    private readonly IKeyValueBytesStore _inner;
    private readonly RecordCache _cache;
    private readonly Func<long> _timestamp;
    private readonly int _owner = Environment.CurrentManagedThreadId;
    private readonly Dictionary<byte[], Entry> _entries = new(ByteArrayComparer.Instance);
    private readonly List<Entry> _dirty = [];
    private readonly List<KeyValuePair<byte[], byte[]?>> _batch = [];
    private readonly List<long> _batchTimestamps = [];
    private readonly Lock _sync = new();

    // The cached keys in order, for range reads; built at a store's first range read, since stores read only by key
    // (a count's windows, for one) would pay an ordered insert per cached key for nothing. Deleting a range does not
    // build it.
    private SortedSet<byte[]>? _order;

    /// <param name="inner">The store below: the logging layer of a logged store, else the backend.</param>
    /// <param name="cache">The thread's budget, which this cache registers with.</param>
    /// <param name="timestamp">The timestamp of the record being processed, which a write carries to the changelog.</param>
    public CachingBytesStore(IKeyValueBytesStore inner, RecordCache cache, Func<long> timestamp)
    {
        _inner = inner;
        _cache = cache;
        _timestamp = timestamp;
        cache.Register(this);
    }

    /// <summary>Bytes this cache holds, as charged to the thread's budget.</summary>
    public long CachedBytes { get; private set; }

    public long ApproximateCount => _inner.ApproximateCount;

    public byte[]? Get(byte[] key)
    {
        var owner = Environment.CurrentManagedThreadId == _owner;
        byte[]? value;
        long grown;
        lock (_sync)
        {
            if (_entries.TryGetValue(key, out var cached))
            {
                if (owner)
                {
                    _cache.CountRead(hit: true);
                }

                return cached.Value;
            }

            value = _inner.Get(key);
            if (!owner)
            {
                // A query's read: answered, but the cache is the stream thread's working set, not the readers'.
                return value;
            }

            _cache.CountRead(hit: false);
            grown = Add(key, value, dirty: false, 0);
        }

        _cache.Grow(grown);
        return value;
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
                    entry.Removed = true;
                    freed += Size(key, entry.Value);
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
                    _batch.Add(new KeyValuePair<byte[], byte[]?>(entry.Key, entry.Value));
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
                entry.Removed = true;
            }

            _dirty.Clear();
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
        if (_entries.TryGetValue(key, out var entry))
        {
            var delta = (long)(value?.Length ?? 0) - (entry.Value?.Length ?? 0);
            entry.Value = value;
            if (dirty)
            {
                entry.Timestamp = timestamp;
                if (!entry.Dirty)
                {
                    entry.Dirty = true;
                    _dirty.Add(entry);
                }
            }

            CachedBytes += delta;
            return delta;
        }

        entry = new Entry(key) { Value = value, Dirty = dirty, Timestamp = timestamp };
        _entries.Add(key, entry);
        _order?.Add(key);
        if (dirty)
        {
            _dirty.Add(entry);
        }

        var size = Size(key, value);
        CachedBytes += size;
        return size;
    }

    private static long Size(byte[] key, byte[]? value) => key.Length + (value?.Length ?? 0) + EntryOverhead;

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
                (result ??= []).Add(new KeyValuePair<byte[], byte[]?>(key, _entries[key].Value));
            }
        }

        return result;
    }

    /// <summary>The cached keys with <paramref name="from"/> &lt;= key &lt; <paramref name="toExclusive"/> in key order (null bounds are open); read under the lock.</summary>
    private IEnumerable<byte[]> CachedKeys(byte[]? from, byte[]? toExclusive)
    {
        if (_entries.Count == 0)
        {
            yield break;
        }

        var order = _order ??= new SortedSet<byte[]>(_entries.Keys, ByteArrayComparer.Instance);
        var lower = from ?? order.Min!;
        var upper = toExclusive ?? order.Max!;
        if (ByteArrayComparer.Instance.Compare(lower, upper) > 0)
        {
            yield break;
        }

        foreach (var key in order.GetViewBetween(lower, upper))
        {
            if (toExclusive is null || ByteArrayComparer.Instance.Compare(key, toExclusive) < 0)
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
    private List<byte[]> UnorderedCachedKeys(byte[] from, byte[] toExclusive)
    {
        var keys = new List<byte[]>();
        foreach (var key in _entries.Keys)
        {
            if (ByteArrayComparer.Instance.Compare(key, from) >= 0 && ByteArrayComparer.Instance.Compare(key, toExclusive) < 0)
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

    private sealed class Entry(byte[] key)
    {
        public byte[] Key { get; } = key;

        public byte[]? Value { get; set; }

        public bool Dirty { get; set; }

        /// <summary>Set once the key left the cache: a pending write of it is void (its range was deleted, or the cache dropped).</summary>
        public bool Removed { get; set; }

        public long Timestamp { get; set; }
    }
}
