namespace Streams.Engine.State;

/// <summary>
/// An ordered in-memory bytes store. Its content is lost on close; a logged in-memory store is rebuilt from its
/// changelog. Single-threaded, like every store: only the owning task touches it.
/// </summary>
internal sealed class InMemoryBytesStore : IKeyValueBytesStore
{
    private static readonly IComparer<Entry> EntryOrder =
        Comparer<Entry>.Create(static (a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));

    private readonly SortedSet<Entry> _entries = new(EntryOrder);
    private readonly Entry _probe = new([]);

    public long ApproximateCount => _entries.Count;

    public byte[]? Get(byte[] key)
    {
        _probe.Key = key;
        return _entries.TryGetValue(_probe, out var entry) ? entry.Value : null;
    }

    public void Put(byte[] key, byte[]? value)
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
        if (_entries.Count == 0)
        {
            return [];
        }

        var lower = from is null ? _entries.Min! : new Entry(from);
        var upper = toExclusive is null ? _entries.Max! : new Entry(toExclusive);
        if (EntryOrder.Compare(lower, upper) > 0)
        {
            return [];
        }

        // The view is inclusive on both ends and live: copy it, so that a caller may write while it iterates.
        var result = new List<KeyValuePair<byte[], byte[]>>();
        foreach (var entry in _entries.GetViewBetween(lower, upper))
        {
            if (toExclusive is not null && entry.Key.AsSpan().SequenceCompareTo(toExclusive) >= 0)
            {
                break;
            }

            result.Add(new KeyValuePair<byte[], byte[]>(entry.Key, entry.Value));
        }

        return result;
    }

    public byte[]? LastKey() => _entries.Count == 0 ? null : _entries.Max!.Key;

    public void DeleteRange(byte[] from, byte[] toExclusive)
    {
        foreach (var entry in Range(from, toExclusive))
        {
            Put(entry.Key, null);
        }
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
    }

    public void Dispose() => _entries.Clear();

    private sealed class Entry(byte[] key)
    {
        public byte[] Key { get; set; } = key;

        public byte[] Value { get; set; } = [];
    }
}
