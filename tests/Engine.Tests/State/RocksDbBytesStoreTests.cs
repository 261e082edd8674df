using System.Text;
using Microsoft.Extensions.Logging;
using Streams.Engine.State;

namespace Streams.Engine.Tests.State;

public sealed class RocksDbBytesStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "rocksdb-stores-" + Guid.NewGuid().ToString("N"))).FullName;

    [Fact]
    public void Hundreds_of_stores_sharing_the_write_buffer_budget_keep_small_writes_in_memory_instead_of_flushing_them()
    {
        // A pod with many partitions opens one database per store per task. Each memtable charges the shared budget for
        // the arena blocks it has allocated, not the bytes it holds: with RocksDB's default 1 MiB blocks, 200 nearly empty
        // memtables exceeded the default 192 MiB budget, and from then on every write flushed a memtable of a few
        // kilobytes to its own table file.
        var stores = new List<RocksDbBytesStore>();
        try
        {
            for (var i = 0; i < 200; i++)
            {
                var store = new RocksDbBytesStore(Path.Combine(_root, i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                stores.Add(store);
                for (var k = 0; k < 50; k++)
                {
                    store.Put(Encoding.UTF8.GetBytes($"user-{k:D4}"), new byte[100]);
                }
            }

            Assert.Empty(Directory.EnumerateFiles(_root, "*.sst", SearchOption.AllDirectories));
            Assert.Equal(50, stores[0].Range(null, null).Count());
        }
        finally
        {
            foreach (var store in stores)
            {
                store.Dispose();
            }
        }
    }

    [Fact]
    public void The_activity_report_counts_the_level0_files_each_flush_leaves_until_compaction_merges_them()
    {
        using var store = new RocksDbBytesStore(Path.Combine(_root, "flushed"));
        for (var flush = 0; flush < 3; flush++)
        {
            store.Put(Encoding.UTF8.GetBytes($"user-{flush}"), new byte[100]);
            store.Flush();
        }

        // Other tests' stores in this process only add to the sum; none can have fewer files than this one.
        var activity = RocksDbMemory.Activity();
        Assert.True(activity.MaxLevel0Files >= 3, $"max level-0 files {activity.MaxLevel0Files}");
        Assert.True(activity.Level0Files >= 3, $"level-0 files {activity.Level0Files}");
        Assert.True(activity.Databases >= 1);
        Assert.Equal(3, Directory.EnumerateFiles(Path.Combine(_root, "flushed"), "*.sst").Count());
    }

    [Fact]
    public void A_store_keeps_no_LOG_file_and_leaves_RocksDBs_informational_lines_out_of_the_runtimes_log()
    {
        var directory = Path.Combine(_root, "quiet");
        var logger = new CollectingLogger();
        using (var store = new RocksDbBytesStore(directory, logger))
        {
            store.Put(Encoding.UTF8.GetBytes("user-1"), new byte[100]);
            store.Flush();
        }

        Assert.Single(Directory.EnumerateFiles(directory, "*.sst"));
        Assert.Empty(Directory.EnumerateFiles(directory, "LOG*"));
        // RocksDB logs some 400 lines over an open, a write and a flush, most of them its version and options at open.
        Assert.Empty(logger.Snapshot());
    }

    [Fact]
    public void A_warning_from_RocksDB_reaches_the_runtimes_log_naming_the_stores_directory()
    {
        var directory = Path.Combine(_root, "torn");
        using (var store = new RocksDbBytesStore(directory))
        {
            store.Put(Encoding.UTF8.GetBytes("user-1"), new byte[100]);
        }

        // A write-ahead log newer than the database's state, torn mid-record: RocksDB replays what it can, warns, and opens.
        File.WriteAllBytes(Path.Combine(directory, "009999.log"), Enumerable.Repeat((byte)0x5A, 100).ToArray());
        var logger = new CollectingLogger();
        using (new RocksDbBytesStore(directory, logger))
        {
        }

        var lines = logger.Snapshot();
        Assert.Contains(lines, line => line.Level >= LogLevel.Warning && line.Message.Contains(directory, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Level < LogLevel.Warning);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
