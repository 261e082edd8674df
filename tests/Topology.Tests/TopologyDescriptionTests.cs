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

        // The inputs keyed by user feed the same stores, so they form one co-partitioned sub-topology; the item triggers'
        // side, keyed by item, is another, and each reads what the other re-keys for it. The policy evaluation, keyed by
        // the logged policy, reads the training records re-keyed for it.
        Assert.Equal(3, description.Subtopologies.Count);
        var users = description.Subtopologies.Single(s => s.Nodes.Any(n => n.Topics.Contains("prod.events.clickstream")));
        var items = description.Subtopologies.Single(s => s.Nodes.Any(n => n.Topics.Contains("catalog.items")));
        var evaluation = description.Subtopologies.Single(s => s != users && s != items);
        Assert.Equal(
            ["<application.id>-trigger-candidates-repartition", "bandit.decisions", "bandit.rewards", "prod.events.clickstream", "users.forget"],
            Topics(users, NodeKind.Source));
        Assert.Equal(
            [
                "<application.id>-training-by-policy-repartition", "<application.id>-trigger-item-interest-repartition", "features.user", "prod.bandit.training",
                "scores.fraud", "scores.propensity", "triggers.outbound", "users.attributes",
            ],
            Topics(users, NodeKind.Sink));
        Assert.Equal(["<application.id>-training-by-policy-repartition"], Topics(evaluation, NodeKind.Source));
        Assert.Equal(["bandit.evaluation"], Topics(evaluation, NodeKind.Sink));
        Assert.Equal(["<application.id>-trigger-item-interest-repartition", "catalog.items"], Topics(items, NodeKind.Source));
        Assert.Equal(["<application.id>-trigger-candidates-repartition"], Topics(items, NodeKind.Sink));
        Assert.Equal(
            [
                "closed-decisions-by-user", "early-rewards", "feature-hours", "feature-tiles", "latest-scores", "pending-decisions", "policy-evaluation", "propensity-pending", "recent-reward-clicks",
                "trigger-carts", "trigger-catalog", "trigger-item-interest", "trigger-item-watch", "trigger-sent", "trigger-user-items", "user-attributes", "user-profiles",
            ],
            description.Stores.Select(s => s.Name).Order());
        // What a cluster without CreateTopics needs created beforehand, under the application id.
        Assert.Contains("app-trigger-candidates-repartition", description.InternalTopics("app"));
        Assert.Contains("app-trigger-item-interest-repartition", description.InternalTopics("app"));
        Assert.Contains("app-feature-tiles-changelog", description.InternalTopics("app"));
        Assert.DoesNotContain("app-recent-reward-clicks-changelog", description.InternalTopics("app"));
        // Every store is logged except the recent clicks, a short in-memory bridge (see docs/topology.md, "The reward join").
        Assert.All(description.Stores.Where(s => s.Name != "recent-reward-clicks"), store => Assert.NotNull(store.Changelog));
        Assert.Null(description.Stores.Single(s => s.Name == "recent-reward-clicks").Changelog);
        foreach (var processor in new[] { "user-scoring", "user-attributes", "reward-join", "trigger-interest", "item-triggers", "cart-abandonment", "trigger-policy", "policy-evaluation" })
        {
            Assert.Contains(processor, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void With_triggers_and_evaluation_off_the_topology_is_one_sub_topology_that_neither_reads_the_catalog_nor_writes_triggers_or_estimates()
    {
        var options = new PersonalizationOptions { Triggers = new() { Enabled = false }, Evaluation = new() { Enabled = false } };
        using var models = new ModelDirectory(new ModelOptions { Directory = "no-models-here" });
        using var serdes = new RecordSerdes(RecordSchemas.LocalRegistry());
        var description = new PersonalizationTopology(options, serdes, models, new FraudGuardrail(options.Scoring)).Build().Describe();

        var only = Assert.Single(description.Subtopologies);
        Assert.DoesNotContain(only.Nodes, n => n.Topics.Contains("catalog.items") || n.Topics.Contains("triggers.outbound") || n.Topics.Contains("bandit.evaluation"));
        Assert.DoesNotContain(description.Stores, s => s.Name.StartsWith("trigger-", StringComparison.Ordinal));
    }

    private static List<string> Topics(SubtopologyDescription subtopology, NodeKind kind) =>
        subtopology.Nodes.Where(n => n.Kind == kind).SelectMany(n => n.Topics).Distinct().Order(StringComparer.Ordinal).ToList();
}
