using RocksDbSharp;

namespace Streams.Engine.State;

/// <summary>
/// The memory every RocksDB store in the process shares: one LRU block cache, and one write-buffer budget charged to
/// that cache. Without it each store (one per store per task) has its own cache and memtables, and memory grows with
/// the number of partitions; with it, RocksDB's memory is bounded by <see cref="BlockCacheBytes"/> however many
/// stores are open.
/// </summary>
public static class RocksDbMemory
{
    private static readonly object Gate = new();
    private static Cache? s_cache;
    private static IntPtr s_writeBufferManager;
    private static readonly HashSet<RocksDbBytesStore> Open = [];

    /// <summary>The shared block cache, which also holds the memtables' budget.</summary>
    public static long BlockCacheBytes { get; private set; } = StreamsConfig.DefaultRocksDbCacheMb * 1024L * 1024;

    /// <summary>The part of the cache memtables may use; stores flush when their memtables together exceed it.</summary>
    public static long WriteBufferBytes { get; private set; } = StreamsConfig.DefaultRocksDbWriteBufferMb * 1024L * 1024;

    /// <summary>
    /// How often the C heap's free pages go back to the operating system once a store is open (Linux with glibc; zero
    /// turns it off). RocksDB's churn otherwise leaves freed memory held inside the allocator's arenas.
    /// </summary>
    public static TimeSpan HeapTrimInterval { get; private set; } = TimeSpan.FromSeconds(10);

    /// <summary>Sets the budgets and the heap trim interval; only before the first RocksDB store opens in this process.</summary>
    public static void Configure(long blockCacheBytes, long writeBufferBytes, TimeSpan? heapTrimInterval = null)
    {
        if (blockCacheBytes <= 0 || writeBufferBytes <= 0 || writeBufferBytes > blockCacheBytes)
        {
            throw new ArgumentException($"The RocksDB block cache ({blockCacheBytes} bytes) must be positive and at least the write buffer budget ({writeBufferBytes} bytes).");
        }

        if (heapTrimInterval < TimeSpan.Zero)
        {
            throw new ArgumentException($"The heap trim interval must not be negative, not {heapTrimInterval}.", nameof(heapTrimInterval));
        }

        lock (Gate)
        {
            if (s_cache is not null)
            {
                throw new InvalidOperationException("RocksDB memory is already in use; configure it before the first store opens.");
            }

            (BlockCacheBytes, WriteBufferBytes) = (blockCacheBytes, writeBufferBytes);
            HeapTrimInterval = heapTrimInterval ?? HeapTrimInterval;
        }
    }

    /// <summary>
    /// Sizes the shared memory as <paramref name="config"/> asks, unless it already is; a runtime applies its config so
    /// when it starts. A second runtime in the process asking for other sizes once stores are open is refused.
    /// </summary>
    public static void Use(StreamsConfig config)
    {
        var cache = config.RocksDbCacheMb * 1024L * 1024;
        var writeBuffers = config.RocksDbWriteBufferMb * 1024L * 1024;
        var trim = TimeSpan.FromSeconds(config.NativeHeapTrimSeconds);
        if (BlockCacheBytes != cache || WriteBufferBytes != writeBuffers || HeapTrimInterval != trim)
        {
            Configure(cache, writeBuffers, trim);
        }
    }

    /// <summary>Bytes the shared cache holds now (blocks and charged memtables).</summary>
    public static long Usage => s_cache is { } cache ? (long)cache.GetUsage() : 0;

    /// <summary>
    /// Where RocksDB's memory is, summed over every open database: memtables, table readers (index and filter blocks
    /// outside the cache), blocks pinned by iterators, and the shared cache.
    /// </summary>
    public static RocksDbMemoryReport Report()
    {
        lock (Open)
        {
            long memtables = 0, tableReaders = 0, pinned = 0;
            foreach (var store in Open)
            {
                memtables += store.Property("rocksdb.cur-size-all-mem-tables");
                tableReaders += store.Property("rocksdb.estimate-table-readers-mem");
                pinned += store.Property("rocksdb.block-cache-pinned-usage");
            }

            return new RocksDbMemoryReport(Open.Count, memtables, tableReaders, pinned, Usage);
        }
    }

    /// <summary>
    /// What the open databases' background threads are doing. Level-0 files that stay many, or flushes that never stop
    /// running, mean writes outrun what RocksDB can flush and compact: reads check every level-0 file, and at 20 in
    /// one database (RocksDB's default slowdown trigger) it throttles that store's writes.
    /// </summary>
    public static RocksDbActivityReport Activity()
    {
        lock (Open)
        {
            long level0 = 0, maxLevel0 = 0, flushes = 0, compactions = 0, pending = 0;
            foreach (var store in Open)
            {
                var files = store.Property("rocksdb.num-files-at-level0");
                level0 += files;
                maxLevel0 = Math.Max(maxLevel0, files);
                flushes += store.Property("rocksdb.num-running-flushes");
                compactions += store.Property("rocksdb.num-running-compactions");
                pending += store.Property("rocksdb.estimate-pending-compaction-bytes");
            }

            return new RocksDbActivityReport(Open.Count, level0, maxLevel0, flushes, compactions, pending);
        }
    }

    internal static void Track(RocksDbBytesStore store)
    {
        lock (Open)
        {
            Open.Add(store);
        }
    }

    internal static void Untrack(RocksDbBytesStore store)
    {
        lock (Open)
        {
            Open.Remove(store);
        }
    }

    internal static void Apply(BlockBasedTableOptions table, DbOptions options)
    {
        lock (Gate)
        {
            if (s_cache is null)
            {
                s_cache = Cache.CreateLru((ulong)BlockCacheBytes);
                s_writeBufferManager = Native.Instance.rocksdb_write_buffer_manager_create_with_cache((UIntPtr)(ulong)WriteBufferBytes, s_cache.Handle, 0);
                NativeHeapTrimmer.Start(HeapTrimInterval);
            }

            table.SetBlockCache(s_cache);
            Native.Instance.rocksdb_options_set_write_buffer_manager(options.Handle, s_writeBufferManager);
        }
    }
}
