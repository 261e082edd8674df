using Streams.Engine.Dsl;
using Streams.Engine.Graph;
using Streams.Engine.Processor;
using Streams.Engine.Serialization;
using Streams.Engine.State;
using Streams.Engine.Testing;
using static Streams.Engine.Tests.TestTime;

namespace Streams.Engine.Tests;

public sealed class DslTests
{
    private static (TopologyTestDriver Driver, TestInputTopic<string, string> Input) Run(StreamsBuilder builder)
    {
        var driver = new TopologyTestDriver(builder.Build());
        return (driver, driver.CreateInputTopic("in", Serdes.String, Serdes.String));
    }

    [Fact]
    public void Stateless_operations_transform_records_in_order()
    {
        var builder = new StreamsBuilder();
        var seen = new List<string>();
        builder.Stream("in", Serdes.String, Serdes.String)
            .Filter((_, value) => value != "drop")
            .FilterNot((key, _) => key == "skip")
            .Peek((key, _) => seen.Add(key))
            .FlatMapValues(value => value.Split(','))
            .Map((key, value) => (value, key.Length))
            .FlatMap((key, length) => Enumerable.Repeat((key.ToUpperInvariant(), length), 1))
            .MapValues((key, length) => $"{key}:{length}")
            .To("out", Serdes.String, Serdes.String);
        var (driver, input) = Run(builder);
        using var _ = driver;

        input.PipeInput("k1", "a,b", At(1));
        input.PipeInput("k2", "drop", At(2));
        input.PipeInput("skip", "c", At(3));
        input.PipeInput("key3", "d", At(4));

        Assert.Equal(
            [new("A", "A:2"), new("B", "B:2"), new KeyValuePair<string, string>("D", "D:4")],
            driver.CreateOutputTopic("out", Serdes.String, Serdes.String).ReadKeyValuesToList());
        Assert.Equal(["k1", "key3"], seen);
    }

    [Fact]
    public void Merge_brings_two_co_partitioned_streams_into_one_store_in_arrival_order()
    {
        var builder = new StreamsBuilder();
        var clicks = builder.Stream("clicks", Serdes.String, Serdes.String).MapValues(v => "click:" + v);
        var views = builder.Stream("views", Serdes.String, Serdes.String).MapValues(v => "view:" + v);
        clicks.Merge(views)
            .GroupByKey()
            .Reduce((a, b) => a + "," + b, Materialized.As("history"))
            .ToStream()
            .To("out", Serdes.String, Serdes.String);
        var topology = builder.Build();
        using var driver = new TopologyTestDriver(topology);
        var clickTopic = driver.CreateInputTopic("clicks", Serdes.String, Serdes.String);
        var viewTopic = driver.CreateInputTopic("views", Serdes.String, Serdes.String);
        var output = driver.CreateOutputTopic("out", Serdes.String, Serdes.String);

        clickTopic.PipeInput("u1", "a", At(1));
        viewTopic.PipeInput("u1", "b", At(2));
        clickTopic.PipeInput("u2", "c", At(3));
        viewTopic.PipeInput("u1", "d", At(4));

        Assert.Single(topology.Describe().Subtopologies);
        Assert.Equal(
            [new("u1", "click:a"), new("u1", "click:a,view:b"), new("u2", "click:c"), new KeyValuePair<string, string>("u1", "click:a,view:b,view:d")],
            output.ReadKeyValuesToList());
    }

    [Fact]
    public void Split_sends_each_record_to_the_first_matching_branch_or_the_default()
    {
        var builder = new StreamsBuilder();
        var branches = builder.Stream("in", Serdes.String, Serdes.String)
            .Split("route")
            .Branch((_, value) => value.StartsWith("fraud", StringComparison.Ordinal), "fraud")
            .Branch((_, value) => value.Contains("cart", StringComparison.Ordinal), "cart")
            .DefaultBranch("other");
        branches["route-fraud"].To("fraud");
        branches["route-cart"].To("cart");
        branches["route-other"].To("other");
        var (driver, input) = Run(builder);
        using var _ = driver;

        input.PipeInput("a", "fraud-cart", At(1));
        input.PipeInput("b", "add-cart", At(2));
        input.PipeInput("c", "view", At(3));

        string[] Values(string topic) => driver.CreateOutputTopic(topic, Serdes.String, Serdes.String).ReadRecordsToList().Select(r => r.Value).ToArray();
        Assert.Equal(["fraud-cart"], Values("fraud"));
        Assert.Equal(["add-cart"], Values("cart"));
        Assert.Equal(["view"], Values("other"));
    }

    [Fact]
    public void Split_without_a_default_branch_drops_unmatched_records()
    {
        var builder = new StreamsBuilder();
        builder.Stream("in", Serdes.String, Serdes.String).Split().Branch((_, v) => v == "keep").NoDefaultBranch().Single().Value.To("kept");
        var (driver, input) = Run(builder);
        using var _ = driver;

        input.PipeInput("a", "keep", At(1));
        input.PipeInput("b", "other", At(2));

        Assert.Equal(1, driver.CreateOutputTopic("kept", Serdes.String, Serdes.String).QueueSize);
    }

    /// <summary>Keeps a running total per key in a store and routes totals above 100 to the "large" child.</summary>
    private sealed class RunningTotal : IProcessor<string, long, string, long>
    {
        private IProcessorContext<string, long>? _context;
        private IKeyValueStore<string, long>? _totals;

        public void Init(IProcessorContext<string, long> context)
        {
            _context = context;
            _totals = context.GetStateStore<IKeyValueStore<string, long>>("totals");
        }

        public void Process(Record<string, long> record)
        {
            var total = _totals!.Get(record.Key) + record.Value;
            _totals.Put(record.Key, total);
            _context!.Forward(record.WithValue(total), total > 100 ? "large" : "small");
        }
    }

    [Fact]
    public void A_custom_processor_uses_its_store_and_forwards_to_a_child_by_name()
    {
        var topology = new Topology()
            .AddSource("src", "amounts", Serdes.String, Serdes.Int64)
            .AddProcessor("total", () => new RunningTotal(), "src")
            .AddStateStore(Stores.KeyValue("totals", Serdes.String, Serdes.Int64, StoreType.InMemory), "total")
            .AddSink("large", "large-totals", Serdes.String, Serdes.Int64, "total")
            .AddSink("small", "small-totals", Serdes.String, Serdes.Int64, "total");
        using var driver = new TopologyTestDriver(topology);
        var input = driver.CreateInputTopic("amounts", Serdes.String, Serdes.Int64);

        input.PipeInput("alice", 60, At(1));
        input.PipeInput("alice", 50, At(2));

        Assert.Equal(60, driver.CreateOutputTopic("small-totals", Serdes.String, Serdes.Int64).ReadValue());
        Assert.Equal(110, driver.CreateOutputTopic("large-totals", Serdes.String, Serdes.Int64).ReadValue());
    }

    [Fact]
    public void Process_in_the_dsl_connects_stores_added_to_the_builder()
    {
        var builder = new StreamsBuilder();
        builder.AddStateStore(Stores.KeyValue("totals", Serdes.String, Serdes.Int64));
        var totals = builder.Stream("amounts", Serdes.String, Serdes.Int64).Process(() => new RunningTotal(), "totals");
        Assert.True(totals.RepartitionRequired);
        var topology = builder.Build();
        topology.AddSink("large", "large-totals", Serdes.String, Serdes.Int64, totals.NodeName)
            .AddSink("small", "small-totals", Serdes.String, Serdes.Int64, totals.NodeName);
        using var driver = new TopologyTestDriver(topology);

        driver.CreateInputTopic("amounts", Serdes.String, Serdes.Int64).PipeInput("bob", 101, At(1));

        Assert.Equal(101, driver.GetKeyValueStore<string, long>("totals").Get("bob"));
    }

    [Fact]
    public void Non_windowed_count_reduce_and_aggregate_keep_one_value_per_key()
    {
        var builder = new StreamsBuilder();
        var grouped = builder.Stream("in", Serdes.String, Serdes.String).GroupByKey();
        grouped.Count(Materialized.As("count"));
        grouped.Reduce((a, b) => a + b, Materialized.As("concat"));
        grouped.Aggregate(() => 0L, (_, value, length) => length + value.Length, Serdes.Int64, new Materialized("length") { StoreType = StoreType.InMemory });
        var (driver, input) = Run(builder);
        using var _ = driver;

        input.PipeInput("alice", "ab", At(1));
        input.PipeInput("alice", "cde", At(2));

        Assert.Equal(
            (2L, "abcde", 5L),
            (driver.GetKeyValueStore<string, long>("count").Get("alice"),
                driver.GetKeyValueStore<string, string>("concat").Get("alice"),
                driver.GetKeyValueStore<string, long>("length").Get("alice")));
    }

    [Fact]
    public void Stateful_operations_drop_and_count_records_with_a_null_key()
    {
        var builder = new StreamsBuilder();
        builder.Stream("in", Serdes.String, Serdes.String).GroupByKey().Count(Materialized.As("count"));
        var (driver, input) = Run(builder);
        using var _ = driver;

        input.PipeInput(null!, "orphan", At(1));

        Assert.Empty(driver.GetKeyValueStore<string, long>("count").All());
        Assert.Equal(1, driver.Metrics.CounterValue(Dsl.Processors.DroppedRecordMetrics.NullKeyRecordsDropped, "count"));
    }

    [Fact]
    public void Describe_lists_sources_processors_stores_and_sinks_by_subtopology()
    {
        var builder = new StreamsBuilder();
        builder.Stream("clicks", Serdes.String, Serdes.String, name: "clicks-source")
            .GroupByKey()
            .WindowedBy(TimeWindows.OfSizeWithNoGrace(TimeSpan.FromMinutes(1)))
            .Count(Materialized.As("clicks-per-minute"))
            .ToStream()
            .To("click-counts", name: "counts-sink");

        var description = builder.Build().Describe();
        var text = description.ToString();

        var nodes = description.Nodes.ToDictionary(node => node.Name);
        Assert.Equal(["clicks"], nodes["clicks-source"].Topics);
        Assert.Equal(["click-counts"], nodes["counts-sink"].Topics);
        Assert.Contains(description.Nodes, node => node.Kind == NodeKind.Processor && node.Stores.SequenceEqual(["clicks-per-minute"]));
        Assert.Equal(new StoreDescription("clicks-per-minute", StoreType.RocksDb, "<application.id>-clicks-per-minute-changelog"), Assert.Single(description.Stores));
        Assert.Contains("Source: clicks-source (topics: clicks)", text);
        Assert.Contains("Sink: counts-sink (topics: click-counts)", text);
    }

    [Fact]
    public void The_low_level_api_rejects_edges_whose_types_do_not_match()
    {
        var topology = new Topology().AddSource("src", "in", Serdes.String, Serdes.String);

        var error = Assert.Throws<InvalidOperationException>(() => topology.AddSink("sink", "out", Serdes.String, Serdes.Int64, "src"));
        Assert.Contains("<String, Int64>", error.Message);
        Assert.Contains("<String, String>", error.Message);
    }

    [Fact]
    public void A_topic_can_feed_only_one_source()
    {
        var builder = new StreamsBuilder();
        builder.Stream("in", Serdes.String, Serdes.String);

        Assert.Throws<InvalidOperationException>(() => builder.Stream("in", Serdes.String, Serdes.String));
    }
}
