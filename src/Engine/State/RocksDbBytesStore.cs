using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RocksDbSharp;

namespace Streams.Engine.State;

/// <summary>
/// A bytes store in one RocksDB database. The write-ahead log is off: the changelog topic is the durable copy, and
/// <see cref="Flush"/> (called before a checkpoint is written) persists memtables.
/// </summary>
internal sealed class RocksDbBytesStore : IKeyValueBytesStore
{
    private const ulong ArenaBlockBytes = 32 * 1024;

    private readonly RocksDb _db;
    private readonly WriteOptions _writeOptions;
    private readonly RocksDbLog _log;

    /// <param name="logger">Receives the database's warnings and errors (<see cref="RocksDbLog"/>).</param>
    public RocksDbBytesStore(string directory, ILogger? logger = null)
    {
        Directory.CreateDirectory(directory);
        var tableOptions = new BlockBasedTableOptions()
            .SetBlockSize(16 * 1024)
            .SetFilterPolicy(BloomFilterPolicy.Create(10, false))
            .SetCacheIndexAndFilterBlocks(true);
        var options = new DbOptions()
            .SetCreateIfMissing(true)
            .SetCompression(Compression.Lz4)
            .SetWriteBufferSize(8 * 1024 * 1024)
            .SetMaxWriteBufferNumber(2)
            // The shared write-buffer budget is charged per arena block a memtable allocates, not per byte it holds.
            // RocksDB's default block (1 MiB here) made a few hundred nearly empty memtables exceed the budget, and from
            // then on every write flushed its store's memtable, a few kilobytes, to a table file of its own. Small
            // blocks leave the budget to the data: thousands of stores reserve well under a tenth of it.
            .SetArenaBlockSize(ArenaBlockBytes)
            // A process holds one database per store per task, hundreds with many partitions: each may keep only a
            // few table files open, or together they exhaust the process's file descriptors.
            .SetMaxOpenFiles(16)
            // Opening a database starts this many threads to open its table files, 16 by default, even when it has none:
            // a fifth of the time a new store took to open here, and a pod opens a thousand stores or more on start-up.
            .SetMaxFileOpeningThreads(1)
            .IncreaseParallelism(2);
        RocksDbMemory.Apply(tableOptions, options);
        options.SetBlockBasedTableFactory(tableOptions);
        _log = new RocksDbLog(directory, logger ?? NullLogger.Instance);
        Native.Instance.rocksdb_options_set_info_log(options.Handle, _log.Handle);
        try
        {
            _db = RocksDb.Open(options, directory);
        }
        catch
        {
            _log.Dispose();
            throw;
        }

        _writeOptions = new WriteOptions().DisableWal(1);
        RocksDbMemory.Track(this);
    }

    /// <summary>A RocksDB integer property of this database (0 if unknown), for memory accounting.</summary>
    internal long Property(string name) => long.TryParse(_db.GetProperty(name), out var value) ? value : 0;

    public long ApproximateCount =>
        long.TryParse(_db.GetProperty("rocksdb.estimate-num-keys"), out var count) ? count : 0;

    public byte[]? Get(byte[] key) => _db.Get(key);

    public void Put(byte[] key, byte[]? value)
    {
        if (value is null)
        {
            _db.Remove(key, null, _writeOptions);
        }
        else
        {
            _db.Put(key, value, null, _writeOptions);
        }
    }

    public IEnumerable<KeyValuePair<byte[], byte[]>> Range(byte[]? from, byte[]? toExclusive)
    {
        // The bound is checked here rather than set as an iterate-upper-bound read option: those options are freed by
        // a finalizer, and at one range per record that finalizer became a measurable share of the process's time.
        using var iterator = _db.NewIterator();
        if (from is null)
        {
            iterator.SeekToFirst();
        }
        else
        {
            iterator.Seek(from);
        }

        while (iterator.Valid())
        {
            var key = iterator.Key();
            if (toExclusive is not null && key.AsSpan().SequenceCompareTo(toExclusive) >= 0)
            {
                yield break;
            }

            yield return new KeyValuePair<byte[], byte[]>(key, iterator.Value());
            iterator.Next();
        }
    }

    public byte[]? LastKey()
    {
        using var iterator = _db.NewIterator();
        iterator.SeekToLast();
        return iterator.Valid() ? iterator.Key() : null;
    }

    public void DeleteRange(byte[] from, byte[] toExclusive)
    {
        using var batch = new RocksDbSharp.WriteBatch();
        batch.DeleteRange(from, (ulong)from.Length, toExclusive, (ulong)toExclusive.Length);
        _db.Write(batch, _writeOptions);
    }

    public void WriteBatch(IReadOnlyList<KeyValuePair<byte[], byte[]?>> batch)
    {
        using var writeBatch = new RocksDbSharp.WriteBatch();
        foreach (var (key, value) in batch)
        {
            if (value is null)
            {
                writeBatch.Delete(key);
            }
            else
            {
                writeBatch.Put(key, value);
            }
        }

        _db.Write(writeBatch, _writeOptions);
    }

    public void Flush()
    {
        _db.Flush(new FlushOptions().SetWaitForFlush(true));
    }

    public void Dispose()
    {
        RocksDbMemory.Untrack(this);
        _db.Dispose();
        _log.Dispose();
    }
}
