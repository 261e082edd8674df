using Personalization.Topology.Records;
using Personalization.Topology.Scoring;
using Streams.Engine.Graph;

namespace Personalization.Topology.Tests;

public sealed class TopologyDescriptionTests
{
    [Fact]
    public void One_topology_reads_every_input_writes_every_output_and_logs_every_store_with_names_from_the_options()
    {
        var options = new PersonalizationOptions { Topics = new TopicOptions { Clickstream = "prod.events.clickstream", Training = "prod.bandit.training" } };
        using var models = new ModelDirectory(new ModelOptions { Directory = "no-models-here" });
        using var serdes = new RecordSerdes(RecordSchemas.LocalRegistry());
        var description = new PersonalizationTopology(options, serdes, models, new FraudGuardrail(options.Scoring)).Build().Describe();
        var text = description.ToString();

        // All inputs are keyed by user and feed the same stores, so they form one co-partitioned sub-topology.
        var subtopology = Assert.Single(description.Subtopologies);
        Assert.Equal(
            ["bandit.decisions", "bandit.rewards", "prod.events.clickstream", "users.forget"],
            subtopology.Nodes.Where(n => n.Kind == NodeKind.Source).SelectMany(n => n.Topics).Order());
        Assert.Equal(
            ["features.user", "prod.bandit.training", "scores.fraud", "scores.propensity", "users.attributes"],
            subtopology.Nodes.Where(n => n.Kind == NodeKind.Sink).SelectMany(n => n.Topics).Order());
        Assert.Equal(
            ["closed-decisions", "early-rewards", "feature-tiles", "latest-scores", "pending-decisions", "propensity-pending", "recent-reward-clicks", "user-attributes", "user-profiles"],
            description.Stores.Select(s => s.Name).Order());
        // Every store is logged except the recent clicks, a short in-memory bridge (see docs/topology.md, "The reward join").
        Assert.All(description.Stores.Where(s => s.Name != "recent-reward-clicks"), store => Assert.NotNull(store.Changelog));
        Assert.Null(description.Stores.Single(s => s.Name == "recent-reward-clicks").Changelog);
        foreach (var processor in new[] { "user-scoring", "user-attributes", "reward-join" })
        {
            Assert.Contains(processor, text, StringComparison.Ordinal);
        }
    }
}
