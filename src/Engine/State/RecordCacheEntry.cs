namespace Streams.Engine.State;

/// <summary>
/// One cached key of a <see cref="CachingBytesStore"/>: its key and value in buffers of the thread's
/// <see cref="RecordCachePool"/>, and whether the value still has to be written to the store below.
/// </summary>
internal sealed class RecordCacheEntry
{
    public CachedKey Key { get; set; }

    /// <summary>The buffer holding the value in its first <see cref="ValueLength"/> bytes; null for a deleted key.</summary>
    public byte[]? Value { get; set; }

    public int ValueLength { get; set; }

    public bool Dirty { get; set; }

    /// <summary>Set once the key left the cache: a pending write of it is void (its range was deleted, or the cache dropped).</summary>
    public bool Removed { get; set; }

    public long Timestamp { get; set; }

    /// <summary>The value as an array of its own, for callers that keep it or hand it on.</summary>
    public byte[]? CopyValue() => Value?.AsSpan(0, ValueLength).ToArray();

    public void Reset()
    {
        Key = default;
        Value = null;
        ValueLength = 0;
        Dirty = false;
        Removed = false;
        Timestamp = 0;
    }
}
