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

    public bool TryRead<T>(byte[] key, ValueReader<T> read, out T value) => inner.TryRead(key, read, out value);

    public void Put(byte[] key, byte[]? value)
    {
        inner.Put(key, value);
        writer.Append(storeName, key, value, writer.CurrentTimestamp);
    }

    public IEnumerable<KeyValuePair<byte[], byte[]>> Range(byte[]? from, byte[]? toExclusive) => inner.Range(from, toExclusive);

    public byte[]? LastKey() => inner.LastKey();

    public void DeleteRange(byte[] from, byte[] toExclusive) => inner.DeleteRange(from, toExclusive);

    public void WriteBatch(IReadOnlyList<KeyValuePair<byte[], byte[]?>> batch)
    {
        inner.WriteBatch(batch);
        var timestamp = writer.CurrentTimestamp;
        foreach (var (key, value) in batch)
        {
            writer.Append(storeName, key, value, timestamp);
        }
    }

    /// <summary>Writes a batch whose changes each carry their own timestamp (a record cache's changes since the last commit).</summary>
    public void WriteBatch(IReadOnlyList<KeyValuePair<byte[], byte[]?>> batch, IReadOnlyList<long> timestamps)
    {
        inner.WriteBatch(batch);
        for (var i = 0; i < batch.Count; i++)
        {
            writer.Append(storeName, batch[i].Key, batch[i].Value, timestamps[i]);
        }
    }

    public void Flush() => inner.Flush();

    public void Dispose() => inner.Dispose();
}
