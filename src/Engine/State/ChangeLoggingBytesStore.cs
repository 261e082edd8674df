namespace Streams.Engine.State;

/// <summary>
/// Wraps a bytes store and reports each write to the changelog. Deleting expired segments of a window or session store
/// is not logged: the changelog topic expires those records by its own retention, as the store does locally.
/// </summary>
internal sealed class ChangeLoggingBytesStore(IKeyValueBytesStore inner, string storeName, IChangelogWriter writer)
    : IKeyValueBytesStore
{
    public long ApproximateCount => inner.ApproximateCount;

    public byte[]? Get(byte[] key) => inner.Get(key);

    public void Put(byte[] key, byte[]? value)
    {
        inner.Put(key, value);
        writer.Append(storeName, key, value);
    }

    public IEnumerable<KeyValuePair<byte[], byte[]>> Range(byte[]? from, byte[]? toExclusive) => inner.Range(from, toExclusive);

    public byte[]? LastKey() => inner.LastKey();

    public void DeleteRange(byte[] from, byte[] toExclusive) => inner.DeleteRange(from, toExclusive);

    public void WriteBatch(IReadOnlyList<KeyValuePair<byte[], byte[]?>> batch)
    {
        inner.WriteBatch(batch);
        foreach (var (key, value) in batch)
        {
            writer.Append(storeName, key, value);
        }
    }

    public void Flush() => inner.Flush();

    public void Dispose() => inner.Dispose();
}
