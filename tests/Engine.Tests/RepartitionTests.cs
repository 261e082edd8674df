using Streams.Engine.Dsl;
using Streams.Engine.Graph;
using Streams.Engine.Serialization;
using Streams.Engine.Testing;
using static Streams.Engine.Tests.TestTime;

namespace Streams.Engine.Tests;

public sealed class RepartitionTests
{
    /// <summary>Purchases keyed by order id, re-keyed by the user id inside the value ("user:amount").</summary>
    private static Topology CountPerUser(bool selectKey)
    {
        var builder = new StreamsBuilder();
        var orders = builder.Stream("orders", Serdes.String, Serdes.String);
        var byUser = selectKey ? orders.SelectKey((_, value) => value.Split(':')[0]) : orders;
        byUser.GroupByKey().Count(Materialized.As("per-user")).ToStream().To("counts", Serdes.String, Serdes.Int64);
        return builder.Build();
    }

    [Fact]
    public void SelectKey_before_GroupByKey_goes_through_a_repartition_topic_named_after_the_store()
    {
        var description = CountPerUser(selectKey: true).Describe();

        Assert.Equal(2, description.Subtopologies.Count);
        var sink = Assert.Single(description.Subtopologies[0].Nodes, node => node.Kind == NodeKind.Sink);
        var source = Assert.Single(description.Subtopologies[1].Nodes, node => node.Kind == NodeKind.Source);
        Assert.Equal(["<application.id>-per-user-repartition"], sink.Topics);
        Assert.Equal(sink.Topics, source.Topics);
        Assert.Contains(description.Subtopologies[1].Nodes, node => node.Stores.Contains("per-user"));
    }

    [Fact]
    public void Grouping_without_a_key_change_needs_no_repartition()
    {
        var description = CountPerUser(selectKey: false).Describe();

        Assert.Single(description.Subtopologies);
        Assert.DoesNotContain(description.Nodes, node => node.Topics.Any(topic => topic.EndsWith("-repartition", StringComparison.Ordinal)));
    }

    [Fact]
    public void Records_are_counted_under_the_new_key_after_passing_through_the_repartition_topic()
    {
        using var driver = new TopologyTestDriver(CountPerUser(selectKey: true), new StreamsConfig { ApplicationId = "shop" });
        var orders = driver.CreateInputTopic("orders", Serdes.String, Serdes.String);

        orders.PipeInput("order-1", "alice:10", At(1));
        orders.PipeInput("order-2", "bob:5", At(2));
        orders.PipeInput("order-3", "alice:7", At(3));

        Assert.Equal(
            [new("alice", 1L), new("bob", 1L), new KeyValuePair<string, long>("alice", 2L)],
            driver.CreateOutputTopic("counts", Serdes.String, Serdes.Int64).ReadKeyValuesToList());
        Assert.Equal(3, driver.CreateOutputTopic("shop-per-user-repartition", Serdes.String, Serdes.String).QueueSize);
    }

    [Fact]
    public void GroupBy_repartitions_with_the_serdes_given_and_fails_clearly_without_them()
    {
        var builder = new StreamsBuilder();
        var amounts = builder.Stream("orders", Serdes.String, Serdes.String).MapValues(value => long.Parse(value.Split(':')[1]));
        var error = Assert.Throws<InvalidOperationException>(() => amounts.GroupBy((_, amount) => amount > 8 ? "big" : "small").Count());
        Assert.Contains("repartition topic", error.Message);

        var sizes = builder.Stream("orders2", Serdes.String, Serdes.String).MapValues(value => long.Parse(value.Split(':')[1]));
        sizes.GroupBy((_, amount) => amount > 8 ? "big" : "small", Grouped.With(Serdes.String, Serdes.Int64, "by-size"))
            .Count(Materialized.As("sizes"));
        using var driver = new TopologyTestDriver(builder.Build());
        var input = driver.CreateInputTopic("orders2", Serdes.String, Serdes.String);
        input.PipeInput("o1", "alice:10", At(1));
        input.PipeInput("o2", "bob:5", At(2));
        input.PipeInput("o3", "carol:9", At(3));

        Assert.Equal(2, driver.GetKeyValueStore<string, long>("sizes").Get("big"));
        Assert.Contains("test-driver-by-size-repartition", driver.ProducedTopicNames);
    }

    [Fact]
    public void A_join_after_a_key_change_repartitions_the_changed_side()
    {
        var builder = new StreamsBuilder();
        var users = builder.Table("users", Serdes.String, Serdes.String);
        builder.Stream("orders", Serdes.String, Serdes.String)
            .SelectKey((_, value) => value.Split(':')[0])
            .Join(users, (order, user) => $"{order} by {user}", "enrich")
            .To("enriched", Serdes.String, Serdes.String);
        using var driver = new TopologyTestDriver(builder.Build());
        driver.CreateInputTopic("users", Serdes.String, Serdes.String).PipeInput("alice", "Alice A.", At(1));

        driver.CreateInputTopic("orders", Serdes.String, Serdes.String).PipeInput("order-1", "alice:10", At(2));

        Assert.Equal(new KeyValuePair<string, string>("alice", "alice:10 by Alice A."), driver.CreateOutputTopic("enriched", Serdes.String, Serdes.String).ReadKeyValue());
        Assert.Contains("test-driver-enrich-repartition", driver.ProducedTopicNames);
    }
}
