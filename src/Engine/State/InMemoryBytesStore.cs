namespace Streams.Engine.State;

/// <summary>
/// An ordered in-memory bytes store. Its content is lost on close; a logged in-memory store is rebuilt from its
/// changelog. Only the owning task writes it, but interactive queries read it from other threads, so every access
/// takes a lock (uncontended, it costs a few nanoseconds next to the tree operation it guards).
/// </summary>
internal sealed class InMemoryBytesStore : IKeyValueBytesStore
{
    private static readonly IComparer<Entry> EntryOrder =
        Comparer<Entry>.Create(static (a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));

    private const int RangeChunk = 256;

    private readonly SortedSet<Entry> _entries = new(EntryOrder);
    private readonly Entry _probe = new([]);
    private readonly Lock _sync = new();

    public long ApproximateCount => _entries.Count;

    public byte[]? Get(byte[] key)
    {
        lock (_sync)
        {
            _probe.Key = key;
            return _entries.TryGetValue(_probe, out var entry) ? entry.Value : null;
        }
    }

    public void Put(byte[] key, byte[]? value)
    {
        lock (_sync)
        {
            PutLocked(key, value);
        }
    }

    private void PutLocked(byte[] key, byte[]? value)
    {
        _probe.Key = key;
        if (value is null)
        {
            _entries.Remove(_probe);
            return;
        }

        if (_entries.TryGetValue(_probe, out var entry))
        {
            entry.Value = value;
        }
        else
        {
            _entries.Add(new Entry(key) { Value = value });
        }
    }

    public IEnumerable<KeyValuePair<byte[], byte[]>> Range(byte[]? from, byte[]? toExclusive)
    {
        // A sorted set's view is live and its enumerator fails once the set changes, yet callers write while they
        // iterate. So the range is read a chunk at a time, each chunk copied, and the next chunk starts after the last
        // key read: a caller that stops early pays for one chunk, not for the whole range.
        var chunk = new List<KeyValuePair<byte[], byte[]>>(RangeChunk);
        var lower = from;
        var lowerInclusive = true;
        while (true)
        {
            bool more;
            lock (_sync)
            {
                more = ReadChunk(chunk, lower, lowerInclusive, toExclusive);
            }

            if (!more)
            {
                yield break;
            }

            foreach (var entry in chunk)
            {
                yield return entry;
            }

            if (chunk.Count < RangeChunk)
            {
                yield break;
            }

            lower = chunk[^1].Key;
            lowerInclusive = false;
        }
    }

    /// <summary>Copies the next chunk of a range into <paramref name="chunk"/>; false when the range has no more entries.</summary>
    private bool ReadChunk(List<KeyValuePair<byte[], byte[]>> chunk, byte[]? lower, bool lowerInclusive, byte[]? toExclusive)
    {
        chunk.Clear();
        if (_entries.Count == 0)
        {
            return false;
        }

        var lowerEntry = lower is null ? _entries.Min! : new Entry(lower);
        if (EntryOrder.Compare(lowerEntry, _entries.Max!) > 0)
        {
            return false;
        }

        foreach (var entry in _entries.GetViewBetween(lowerEntry, _entries.Max!))
        {
            if (!lowerInclusive && entry.Key.AsSpan().SequenceEqual(lower))
            {
                continue;
            }

            if (toExclusive is not null && entry.Key.AsSpan().SequenceCompareTo(toExclusive) >= 0)
            {
                break;
            }

            chunk.Add(new KeyValuePair<byte[], byte[]>(entry.Key, entry.Value));
            if (chunk.Count == RangeChunk)
            {
                break;
            }
        }

        return true;
    }

    public byte[]? LastKey()
    {
        lock (_sync)
        {
            return _entries.Count == 0 ? null : _entries.Max!.Key;
        }
    }

    public void DeleteRange(byte[] from, byte[] toExclusive)
    {
        foreach (var entry in Range(from, toExclusive).ToList())
        {
            Put(entry.Key, null);
        }
    }

    public void WriteBatch(IReadOnlyList<KeyValuePair<byte[], byte[]?>> batch)
    {
        lock (_sync)
        {
            foreach (var (key, value) in batch)
            {
                PutLocked(key, value);
            }
        }
    }

    public void Flush()
    {
    }

    public void Dispose()
    {
        lock (_sync)
        {
            _entries.Clear();
        }
    }

    private sealed class Entry(byte[] key)
    {
        public byte[] Key { get; set; } = key;

        public byte[] Value { get; set; } = [];
    }
}
