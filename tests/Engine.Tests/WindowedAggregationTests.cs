using Streams.Engine.Dsl;
using Streams.Engine.Dsl.Processors;
using Streams.Engine.Serialization;
using Streams.Engine.State;
using Streams.Engine.Testing;
using static Streams.Engine.Tests.TestTime;

namespace Streams.Engine.Tests;

public sealed class WindowedAggregationTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private static TopologyTestDriver CountDriver(TimeWindows windows, EmitStrategy emit = EmitStrategy.OnWindowUpdate, StoreType storeType = StoreType.RocksDb)
    {
        var builder = new StreamsBuilder();
        builder.Stream("clicks", Serdes.String, Serdes.String)
            .GroupByKey()
            .WindowedBy(windows)
            .Count(new Materialized("counts") { StoreType = storeType })
            .ToStream(emit)
            .To("counts-out");
        return new TopologyTestDriver(builder.Build());
    }

    private static List<(string Key, long Start, long End, long Count)> Read(TopologyTestDriver driver, TimeSpan size) =>
        driver.CreateOutputTopic("counts-out", WindowedSerdes.TimeWindowed(Serdes.String, size), Serdes.Int64)
            .ReadKeyValuesToList()
            .Select(kv => (kv.Key.Key, kv.Key.Window.Start, kv.Key.Window.End, kv.Value))
            .ToList();

    [Fact]
    public void Tumbling_windows_put_each_record_in_exactly_one_window()
    {
        using var driver = CountDriver(TimeWindows.OfSizeWithNoGrace(Minute));
        var input = driver.CreateInputTopic("clicks", Serdes.String, Serdes.String);

        input.PipeInput("alice", "view", At(0));
        input.PipeInput("alice", "view", At(59.999));
        input.PipeInput("alice", "view", At(60));

        Assert.Equal(
            [("alice", At(0), At(60), 1L), ("alice", At(0), At(60), 2L), ("alice", At(60), At(120), 1L)],
            Read(driver, Minute));
    }

    [Fact]
    public void Hopping_windows_put_a_record_in_every_overlapping_window()
    {
        using var driver = CountDriver(TimeWindows.OfSizeWithNoGrace(Minute).AdvanceBy(TimeSpan.FromSeconds(20)));
        var input = driver.CreateInputTopic("clicks", Serdes.String, Serdes.String);

        input.PipeInput("bob", "view", At(45));

        // [−20 s, 40 s) does not contain 45 s; the three windows starting at 0, 20 and 40 s do.
        Assert.Equal(
            [("bob", At(0), At(60), 1L), ("bob", At(20), At(80), 1L), ("bob", At(40), At(100), 1L)],
            Read(driver, Minute));
    }

    [Fact]
    public void Windowed_counts_are_kept_per_key()
    {
        using var driver = CountDriver(TimeWindows.OfSizeWithNoGrace(Minute));
        var input = driver.CreateInputTopic("clicks", Serdes.String, Serdes.String);

        input.PipeInput("alice", "view", At(1));
        input.PipeInput("bob", "view", At(2));
        input.PipeInput("alice", "view", At(3));

        var store = driver.GetWindowStore<string, long>("counts");
        Assert.True(store.TryFetch("alice", At(0), out var alice));
        Assert.True(store.TryFetch("bob", At(0), out var bob));
        Assert.Equal((2L, 1L), (alice, bob));
    }

    [Fact]
    public void A_record_within_grace_still_updates_its_window()
    {
        using var driver = CountDriver(TimeWindows.OfSizeWithGrace(Minute, TimeSpan.FromSeconds(30)));
        var input = driver.CreateInputTopic("clicks", Serdes.String, Serdes.String);

        input.PipeInput("alice", "view", At(10));
        input.PipeInput("alice", "view", At(80));  // stream time 80 s: window [0, 60) ended, but grace runs to 90 s
        input.PipeInput("alice", "view", At(20));  // out of order, within grace

        Assert.Contains(("alice", At(0), At(60), 2L), Read(driver, Minute));
        Assert.Equal(0, driver.Metrics.CounterTotal(DroppedRecordMetrics.LateRecordsDropped));
    }

    [Fact]
    public void A_record_after_window_end_plus_grace_is_dropped_and_counted()
    {
        using var driver = CountDriver(TimeWindows.OfSizeWithGrace(Minute, TimeSpan.FromSeconds(30)));
        var input = driver.CreateInputTopic("clicks", Serdes.String, Serdes.String);

        input.PipeInput("alice", "view", At(10));
        input.PipeInput("alice", "view", At(90));  // stream time reaches window end + grace
        input.PipeInput("alice", "view", At(20));  // too late for [0, 60)

        var results = Read(driver, Minute);
        Assert.DoesNotContain(results, r => r.Start == At(0) && r.Count == 2);
        Assert.Equal(1, driver.Metrics.CounterValue(DroppedRecordMetrics.LateRecordsDropped, "counts"));
        Assert.True(driver.GetWindowStore<string, long>("counts").TryFetch("alice", At(0), out var count));
        Assert.Equal(1, count);
    }

    [Fact]
    public void Emit_on_update_sends_every_change_while_emit_final_sends_one_result_per_closed_window()
    {
        var builder = new StreamsBuilder();
        var counts = builder.Stream("clicks", Serdes.String, Serdes.String)
            .GroupByKey()
            .WindowedBy(TimeWindows.OfSizeWithGrace(Minute, TimeSpan.FromSeconds(10)))
            .Count(Materialized.As("counts"));
        counts.ToStream().To("updates");
        counts.ToStream(EmitStrategy.OnWindowClose).To("finals");
        using var driver = new TopologyTestDriver(builder.Build());
        var input = driver.CreateInputTopic("clicks", Serdes.String, Serdes.String);
        var serde = WindowedSerdes.TimeWindowed(Serdes.String, Minute);
        var updates = driver.CreateOutputTopic("updates", serde, Serdes.Int64);
        var finals = driver.CreateOutputTopic("finals", serde, Serdes.Int64);

        input.PipeInput("alice", "view", At(5));
        input.PipeInput("alice", "view", At(30));
        input.PipeInput("bob", "view", At(40));
        input.PipeInput("alice", "view", At(65));   // window [0, 60) ended, still in grace
        Assert.Equal(4, updates.QueueSize);
        Assert.True(finals.IsEmpty);

        input.PipeInput("bob", "view", At(70));     // stream time 70 s = end + grace: [0, 60) closes

        Assert.Equal(5, updates.QueueSize);
        var closed = finals.ReadRecordsToList();
        Assert.Equal([("alice", 2L), ("bob", 1L)], closed.Select(r => (r.Key.Key, r.Value)).OrderBy(r => r.Key).ToList());
        Assert.All(closed, r => Assert.Equal(At(0), r.Key.Window.Start));
        Assert.All(closed, r => Assert.Equal(At(60) - 1, r.Timestamp));

        input.PipeInput("bob", "view", At(75));     // no new window closes
        Assert.True(finals.IsEmpty);
    }

    [Fact]
    public void Emit_final_survives_a_restart_without_emitting_closed_windows_again()
    {
        var stateDir = Path.Combine(Path.GetTempPath(), "emit-final-" + Guid.NewGuid().ToString("N"));
        try
        {
            var config = new StreamsConfig { ApplicationId = "emit-final", StateDir = stateDir };
            StreamsBuilder Build()
            {
                var builder = new StreamsBuilder();
                builder.Stream("clicks", Serdes.String, Serdes.String)
                    .GroupByKey()
                    .WindowedBy(TimeWindows.OfSizeWithNoGrace(Minute))
                    .Count(Materialized.As("counts"))
                    .ToStream(EmitStrategy.OnWindowClose)
                    .To("finals");
                return builder;
            }

            var serde = WindowedSerdes.TimeWindowed(Serdes.String, Minute);
            using (var first = new TopologyTestDriver(Build().Build(), config))
            {
                var input = first.CreateInputTopic("clicks", Serdes.String, Serdes.String);
                input.PipeInput("alice", "view", At(5));
                input.PipeInput("alice", "view", At(61));
                Assert.Equal(1, first.CreateOutputTopic("finals", serde, Serdes.Int64).QueueSize);
            }

            using var second = new TopologyTestDriver(Build().Build(), config);
            var again = second.CreateInputTopic("clicks", Serdes.String, Serdes.String);
            again.PipeInput("alice", "view", At(62));
            again.PipeInput("alice", "view", At(121));

            var finals = second.CreateOutputTopic("finals", serde, Serdes.Int64).ReadRecordsToList();
            Assert.Equal([(At(60), 2L)], finals.Select(r => (r.Key.Window.Start, r.Value)).ToList());
        }
        finally
        {
            Directory.Delete(stateDir, recursive: true);
        }
    }

    [Fact]
    public void Aggregate_and_reduce_fold_values_per_window()
    {
        var builder = new StreamsBuilder();
        var grouped = builder.Stream("amounts", Serdes.String, Serdes.Int64).GroupByKey().WindowedBy(TimeWindows.OfSizeWithNoGrace(Minute));
        grouped.Reduce((a, b) => Math.Max(a, b), Serdes.Int64, Materialized.As("max")).ToStream().To("max-out");
        grouped.Aggregate(() => "", (_, value, text) => text + value + ";", Serdes.String, Materialized.As("log")).ToStream().To("log-out");
        using var driver = new TopologyTestDriver(builder.Build());
        var input = driver.CreateInputTopic("amounts", Serdes.String, Serdes.Int64);

        input.PipeInput("alice", 3, At(1));
        input.PipeInput("alice", 9, At(2));
        input.PipeInput("alice", 4, At(3));

        Assert.True(driver.GetWindowStore<string, long>("max").TryFetch("alice", At(0), out var max));
        Assert.True(driver.GetWindowStore<string, string>("log").TryFetch("alice", At(0), out var log));
        Assert.Equal((9L, "3;9;4;"), (max, log));
    }
}
