using Streams.Engine.Graph;
using Streams.Engine.Processor;
using Streams.Engine.Serialization;
using Streams.Engine.State;
using Streams.Engine.Testing;
using static Streams.Engine.Tests.TestTime;

namespace Streams.Engine.Tests;

public sealed class StateStoreTests : IDisposable
{
    private readonly string _stateDir = Path.Combine(Path.GetTempPath(), "state-store-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_stateDir))
        {
            Directory.Delete(_stateDir, recursive: true);
        }
    }

    /// <summary>Writes each record into a key-value store (value "delete" deletes) and a one-minute window store.</summary>
    private sealed class StoreWriter : IProcessor<string, string, string, string>
    {
        private IKeyValueStore<string, string>? _keyValues;
        private IWindowStore<string, string>? _windows;

        public void Init(IProcessorContext<string, string> context)
        {
            _keyValues = context.GetStateStore<IKeyValueStore<string, string>>("kv");
            _windows = context.GetStateStore<IWindowStore<string, string>>("windows");
        }

        public void Process(Record<string, string> record)
        {
            if (record.Value == "delete")
            {
                _keyValues!.Delete(record.Key);
                return;
            }

            _keyValues!.Put(record.Key, record.Value);
            _windows!.Put(record.Key, record.Value, record.Timestamp / 60_000 * 60_000);
        }
    }

    private static Topology WriterTopology(StoreType type, TimeSpan? windowRetention = null, TimeSpan? segmentInterval = null) => new Topology()
        .AddSource("src", "in", Serdes.String, Serdes.String)
        .AddProcessor("writer", () => new StoreWriter(), "src")
        .AddStateStore(Stores.KeyValue("kv", Serdes.String, Serdes.String, type), "writer")
        .AddStateStore(
            Stores.Window("windows", Serdes.String, Serdes.String, TimeSpan.FromMinutes(1), windowRetention ?? TimeSpan.FromHours(1), type: type, segmentInterval: segmentInterval),
            "writer");

    private StreamsConfig Config() => new() { ApplicationId = "stores", StateDir = _stateDir };

    [Fact]
    public void RocksDb_stores_keep_their_data_across_close_and_reopen()
    {
        using (var first = new TopologyTestDriver(WriterTopology(StoreType.RocksDb), Config()))
        {
            var input = first.CreateInputTopic("in", Serdes.String, Serdes.String);
            input.PipeInput("alice", "a1", At(10));
            input.PipeInput("bob", "b1", At(70));
        }

        using var second = new TopologyTestDriver(WriterTopology(StoreType.RocksDb), Config());

        Assert.Equal("a1", second.GetKeyValueStore<string, string>("kv").Get("alice"));
        Assert.Equal([new KeyValuePair<long, string>(At(60), "b1")], second.GetWindowStore<string, string>("windows").Fetch("bob", 0, long.MaxValue));
        Assert.True(second.GetStateStore<IStateStore>("kv").IsPersistent);
    }

    /// <summary>
    /// The segment a window lands in is part of what is on disk; derived from the retention, it would move when the
    /// retention does, and windows written before would no longer be found.
    /// </summary>
    [Fact]
    public void A_window_store_with_a_fixed_segment_interval_finds_its_windows_after_its_retention_changes()
    {
        using (var first = new TopologyTestDriver(WriterTopology(StoreType.RocksDb, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5)), Config()))
        {
            first.CreateInputTopic("in", Serdes.String, Serdes.String).PipeInput("alice", "a1", At(7 * 60));
        }

        using var second = new TopologyTestDriver(WriterTopology(StoreType.RocksDb, TimeSpan.FromHours(2), TimeSpan.FromMinutes(5)), Config());
        var store = second.GetWindowStore<string, string>("windows");

        Assert.True(store.TryFetch("alice", At(7 * 60), out var value));
        Assert.Equal("a1", value);
        Assert.Equal(["a1"], store.Fetch("alice", 0, long.MaxValue).Select(kv => kv.Value));
    }

    [Fact]
    public void In_memory_stores_start_empty_after_a_restart()
    {
        using (var first = new TopologyTestDriver(WriterTopology(StoreType.InMemory), Config()))
        {
            first.CreateInputTopic("in", Serdes.String, Serdes.String).PipeInput("alice", "a1", At(10));
        }

        using var second = new TopologyTestDriver(WriterTopology(StoreType.InMemory), Config());
        Assert.False(second.GetKeyValueStore<string, string>("kv").TryGet("alice", out _));
    }

    [Theory]
    [InlineData(StoreType.RocksDb)]
    [InlineData(StoreType.InMemory)]
    public void Key_value_stores_get_put_delete_and_range_in_key_order(StoreType type)
    {
        using var driver = new TopologyTestDriver(WriterTopology(type));
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);
        foreach (var key in new[] { "d", "b", "a", "c", "e" })
        {
            input.PipeInput(key, key.ToUpperInvariant(), At(1));
        }

        input.PipeInput("c", "delete", At(2));
        var store = driver.GetKeyValueStore<string, string>("kv");

        Assert.Equal(["B", "D"], store.Range("b", "d").Select(kv => kv.Value));
        Assert.Equal(["a", "b", "d", "e"], store.All().Select(kv => kv.Key));
        Assert.Null(store.Get("c"));
    }

    [Theory]
    [InlineData(StoreType.RocksDb)]
    [InlineData(StoreType.InMemory)]
    public void Key_value_ranges_may_be_open_ended_and_read_on_while_the_store_is_written(StoreType type)
    {
        using var driver = new TopologyTestDriver(WriterTopology(type));
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);
        for (var i = 0; i < 1_000; i++)
        {
            input.PipeInput($"k{i:D4}", $"v{i}", At(1));
        }

        var store = driver.GetKeyValueStore<string, string>("kv");
        Assert.Equal(Enumerable.Range(500, 500).Select(i => $"k{i:D4}"), store.Range("k0500", null).Select(kv => kv.Key));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"k{i:D4}"), store.Range(null, "k0099").Select(kv => kv.Key));

        var visited = 0;
        foreach (var (key, _) in store.All())
        {
            store.Delete(key);
            visited++;
        }

        Assert.Equal(1_000, visited);
        Assert.Empty(store.All());
    }

    [Theory]
    [InlineData(StoreType.RocksDb)]
    [InlineData(StoreType.InMemory)]
    public void Window_stores_expire_windows_older_than_their_retention(StoreType type)
    {
        using var driver = new TopologyTestDriver(WriterTopology(type, windowRetention: TimeSpan.FromMinutes(2)));
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);
        var store = driver.GetWindowStore<string, string>("windows");

        input.PipeInput("alice", "minute-0", At(0));
        input.PipeInput("alice", "minute-1", At(60));
        Assert.Equal(2, store.Fetch("alice", 0, long.MaxValue).Count());

        input.PipeInput("alice", "minute-5", At(300));   // latest window start 5 min: retention keeps starts >= 3 min

        Assert.Equal(["minute-5"], store.Fetch("alice", 0, long.MaxValue).Select(kv => kv.Value));
        Assert.Equal(["minute-5"], store.All().Select(kv => kv.Value));
        Assert.False(store.TryFetch("alice", At(0), out _));
    }

    [Theory]
    [InlineData(StoreType.RocksDb)]
    [InlineData(StoreType.InMemory)]
    public void Window_store_fetch_returns_only_the_key_asked_for_in_time_order(StoreType type)
    {
        using var driver = new TopologyTestDriver(WriterTopology(type));
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);

        // "a" is a prefix of "ab": the byte layout must not let one key's windows leak into the other's.
        input.PipeInput("ab", "ab-0", At(0));
        input.PipeInput("a", "a-2", At(120));
        input.PipeInput("a", "a-0", At(0));
        input.PipeInput("ab", "ab-1", At(60));

        var store = driver.GetWindowStore<string, string>("windows");
        Assert.Equal(["a-0", "a-2"], store.Fetch("a", 0, long.MaxValue).Select(kv => kv.Value));
        Assert.Equal(["ab-1"], store.Fetch("ab", At(30), At(90)).Select(kv => kv.Value));
        Assert.Equal(3, store.FetchAll(At(0), At(60)).Count());
    }

    [Theory]
    [InlineData(StoreType.RocksDb)]
    [InlineData(StoreType.InMemory)]
    public void Every_call_on_a_store_is_counted_by_store_and_operation_queries_included(StoreType type)
    {
        using var driver = new TopologyTestDriver(WriterTopology(type));
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);
        foreach (var key in new[] { "a", "b", "c" })
        {
            input.PipeInput(key, key.ToUpperInvariant(), At(1));
        }

        input.PipeInput("b", "delete", At(2));
        var keyValues = driver.GetKeyValueStore<string, string>("kv");
        Assert.Equal("A", keyValues.Get("a"));
        Assert.Null(keyValues.Get("b"));
        Assert.Equal(["a", "c"], keyValues.All().Select(kv => kv.Key));
        var windows = driver.GetWindowStore<string, string>("windows");
        Assert.Equal(["C"], windows.Fetch("c", At(0), At(0)).Select(kv => kv.Value));
        Assert.True(windows.TryFetch("a", At(0), out _));

        long Count(string store, string operation) => driver.Metrics.CounterValue(StateStoreMetrics.Operations, store, operation);
        Assert.Equal((2, 3, 1, 1), (Count("kv", "get"), Count("kv", "put"), Count("kv", "delete"), Count("kv", "range")));
        // A fetch within one window reads one segment: one range.
        Assert.Equal((1, 3, 0, 1), (Count("windows", "get"), Count("windows", "put"), Count("windows", "delete"), Count("windows", "range")));
    }

    [Fact]
    public void Logged_stores_write_every_change_to_their_changelog_topic()
    {
        using var driver = new TopologyTestDriver(WriterTopology(StoreType.RocksDb), Config());
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);

        input.PipeInput("alice", "a1", At(5));
        input.PipeInput("alice", "delete", At(6));

        var changelog = driver.CreateOutputTopic("stores-kv-changelog", Serdes.String, Serdes.String).ReadRecordsToList();
        Assert.Equal([("alice", "a1", At(5)), ("alice", (string)null!, At(6))], changelog.Select(r => (r.Key, r.Value, r.Timestamp)));
        Assert.Equal(1, driver.CreateOutputTopic("stores-windows-changelog", Serdes.ByteArray, Serdes.String).QueueSize);
    }

    [Fact]
    public void A_store_with_logging_disabled_writes_no_changelog()
    {
        var topology = new Topology()
            .AddSource("src", "in", Serdes.String, Serdes.String)
            .AddProcessor("writer", () => new StoreWriter(), "src")
            .AddStateStore(Stores.KeyValue("kv", Serdes.String, Serdes.String).WithLoggingDisabled(), "writer")
            .AddStateStore(Stores.Window("windows", Serdes.String, Serdes.String, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1)).WithLoggingDisabled(), "writer");
        using var driver = new TopologyTestDriver(topology);

        driver.CreateInputTopic("in", Serdes.String, Serdes.String).PipeInput("alice", "a1", At(5));

        Assert.DoesNotContain(driver.ProducedTopicNames, topic => topic.EndsWith("-changelog", StringComparison.Ordinal));
    }

    [Fact]
    public void A_processor_asking_for_a_store_it_is_not_connected_to_gets_an_error_naming_both()
    {
        var topology = new Topology()
            .AddSource("src", "in", Serdes.String, Serdes.String)
            .AddProcessor("writer", () => new StoreWriter(), "src")
            .AddStateStore(Stores.KeyValue("kv", Serdes.String, Serdes.String), "writer")
            .AddStateStore(Stores.Window("windows", Serdes.String, Serdes.String, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1)));

        var error = Assert.Throws<InvalidOperationException>(() => new TopologyTestDriver(topology));
        Assert.Contains("'windows'", error.Message);
        Assert.Contains("'writer'", error.Message);
    }
}
