namespace Streams.Engine.State;

/// <summary>
/// The storage layer under every typed store: an ordered map from bytes to bytes (keys compare as unsigned bytes,
/// lexicographically). Window and session stores are key layouts over this interface, so each backend is written once.
/// </summary>
internal interface IKeyValueBytesStore : IDisposable
{
    /// <summary>The value under <paramref name="key"/>, or null.</summary>
    byte[]? Get(byte[] key);

    /// <summary>
    /// Hands the value under <paramref name="key"/> to <paramref name="read"/> and returns what it decoded; false when
    /// there is none. A layer that holds the value in memory of its own passes that memory, without an array per read.
    /// </summary>
    bool TryRead<T>(byte[] key, ValueReader<T> read, out T value)
    {
        var bytes = Get(key);
        value = bytes is null ? default! : read(bytes);
        return bytes is not null;
    }

    /// <summary>Writes a value; a null value deletes the key.</summary>
    void Put(byte[] key, byte[]? value);

    /// <summary>Entries with <paramref name="from"/> &lt;= key &lt; <paramref name="toExclusive"/> in key order; null bounds are open.</summary>
    IEnumerable<KeyValuePair<byte[], byte[]>> Range(byte[]? from, byte[]? toExclusive);

    /// <summary>The largest key, or null when the store is empty.</summary>
    byte[]? LastKey();

    /// <summary>Deletes every key with <paramref name="from"/> &lt;= key &lt; <paramref name="toExclusive"/>.</summary>
    void DeleteRange(byte[] from, byte[] toExclusive);

    /// <summary>Applies a batch of changelog records (null value = delete) as one write.</summary>
    void WriteBatch(IReadOnlyList<KeyValuePair<byte[], byte[]?>> batch);

    /// <summary>An estimate of the number of entries.</summary>
    long ApproximateCount { get; }

    /// <summary>Makes written data durable (memtables to disk for RocksDB; nothing in memory).</summary>
    void Flush();
}
