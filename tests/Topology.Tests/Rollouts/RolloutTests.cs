using Personalization.Topology.Records;
using Personalization.Topology.Scoring;
using Personalization.Topology.Scoring.Rollouts;

namespace Personalization.Topology.Tests.Rollouts;

public sealed class RolloutTests
{
    private static readonly DateTimeOffset EventTime = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
    private int _serial;

    [Fact]
    public void A_shadow_is_scored_for_every_user_but_only_the_serving_version_is_written_and_the_comparison_is_published()
    {
        using var harness = new ScoringHarness();
        harness.Install("propensity-v1.zip", "propensity-v1.zip");
        harness.Install("propensity-v1.zip", "propensity-v2.zip");
        harness.Plan("""{ "propensity": { "serving": "v1", "candidate": "v2", "mode": "shadow", "minScores": 5, "window": 50 } }""");

        var users = Users(12);
        foreach (var user in users)
        {
            harness.Send(Click(user, EventType.ProductView));
        }

        var scores = harness.PropensityScores.ReadValuesToList();
        Assert.Equal(users, scores.Select(s => s.UserId));
        Assert.All(scores, s => Assert.Equal("v1", s.ModelVersion));
        var comparison = harness.Models.Rollout("propensity")!.Monitor!.Comparison;
        Assert.Equal(12, comparison.Compared);
        Assert.Equal(1.0, comparison.Agreement);
        Assert.Equal(0, comparison.MeanAbsoluteDifference, 9);
        Assert.True(comparison.Drift < 1e-9, $"an identical copy drifted by {comparison.Drift}");
        Assert.Equal(12, harness.Metrics.CounterValue(RolloutMetrics.Comparisons, "propensity", "v2"));
        Assert.Equal(1, harness.Metrics.Gauge(RolloutMetrics.Active, "propensity", "v2", "shadow").Value);
        Assert.True(harness.Models.Rollout("propensity")!.CandidateActive);
    }

    [Fact]
    public void A_canary_serves_the_users_its_share_selects_by_a_stable_hash_and_a_ramp_keeps_them_without_a_restart()
    {
        using var harness = new ScoringHarness();
        harness.Install("propensity-v1.zip", "propensity-v1.zip");
        harness.Install("propensity-v1.zip", "propensity-v2.zip");
        harness.Plan("""{ "propensity": { "serving": "v1", "candidate": "v2", "mode": "canary", "share": 0.1 } }""");

        var users = Users(200);
        var tenth = ScoreAll(harness, users, 0);
        Assert.All(users, u => Assert.Equal(ModelRollout.CanaryPosition("propensity", "v2", u) < 0.1 ? "v2" : "v1", tenth[u].ModelVersion));
        var inTenth = users.Where(u => tenth[u].ModelVersion == "v2").ToHashSet();
        Assert.InRange(inTenth.Count, 8, 35);

        harness.Plan("""{ "propensity": { "serving": "v1", "candidate": "v2", "mode": "canary", "share": 0.5 } }""");
        var half = ScoreAll(harness, users, 10);
        var inHalf = users.Where(u => half[u].ModelVersion == "v2").ToHashSet();
        Assert.Subset(inHalf, inTenth);
        Assert.InRange(inHalf.Count, 75, 125);
        Assert.All(users, u => Assert.Equal(ModelRollout.CanaryPosition("propensity", "v2", u) < 0.5 ? "v2" : "v1", half[u].ModelVersion));
        Assert.Equal(0.5, harness.Metrics.Gauge(RolloutMetrics.CanaryShare, "propensity", "v2").Value);

        // Promotion is a plan change too: v2 serves everyone, with nothing left to compare it with.
        harness.Plan("""{ "propensity": { "serving": "v2" } }""");
        var promoted = ScoreAll(harness, users, 20);
        Assert.All(users, u => Assert.Equal("v2", promoted[u].ModelVersion));
        Assert.Equal(0, harness.Metrics.Gauge(RolloutMetrics.Active, "propensity", "v2", "canary").Value);
    }

    [Fact]
    public void A_pinned_serving_version_is_not_replaced_by_a_newer_file_and_attribute_updates_name_the_version_behind_each_score()
    {
        using var harness = new ScoringHarness();
        harness.Install("propensity-v1.zip", "propensity-v1.zip");
        harness.Install("fraud-v1.zip", "fraud-v1.zip");
        harness.Plan("""{ "propensity": { "serving": "v1", "candidate": "v3", "mode": "canary", "share": 1 } }""");
        harness.Install("propensity-v1.zip", "propensity-v2.zip");
        harness.Models.Scan();

        harness.Send(Click("ada", EventType.Login));
        Assert.Equal("v1", harness.PropensityScores.ReadValue().ModelVersion);
        var first = harness.Attributes.ReadValue().Attributes;
        Assert.Equal("v1", first.PropensityModelVersion);
        Assert.Equal("v1", first.FraudModelVersion);

        // The candidate's file arrives after the plan that names it: it starts serving its share at the next poll.
        harness.Install("propensity-v1.zip", "propensity-v3.zip");
        harness.Models.Scan();
        harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(10));
        harness.Send(Click("ada", EventType.AddToCart, 10));
        Assert.Equal("v3", harness.PropensityScores.ReadValuesToList().Last().ModelVersion);
        Assert.Equal("v1", harness.Models.Get("propensity")!.Version);
        var updates = harness.Attributes.ReadValuesToList();
        Assert.Contains(updates, u => u.Changes.Any(c => c.Name == "propensity_score") && u.Attributes.PropensityModelVersion == "v3");
    }

    [Fact]
    public void A_candidate_that_fails_on_a_row_is_rolled_back_at_once_and_the_row_keeps_the_serving_score()
    {
        using var harness = new ScoringHarness();
        harness.Install("propensity-v1.zip", "propensity-v1.zip");
        CandidateModels.WriteFailingOnHugePurchases(Path.Combine(harness.ModelDirectory, "propensity-v2.zip"));
        harness.Plan("""{ "propensity": { "serving": "v1", "candidate": "v2", "mode": "canary", "share": 1 } }""");
        var rolledBack = new List<CandidateMonitor>();
        harness.Models.CandidateRolledBack += rolledBack.Add;

        harness.Send(Click("bea", EventType.ProductView));
        Assert.Equal("v2", harness.PropensityScores.ReadValue().ModelVersion);

        var purchase = Click("cid", EventType.Purchase) with { ItemId = "i1", Price = 1e300, Quantity = 1 };
        harness.Send(purchase);
        var score = harness.PropensityScores.ReadValue();
        Assert.Equal("v1", score.ModelVersion);
        Assert.False(score.Heuristic);
        Assert.InRange(score.Value, 0, 1);

        var monitor = Assert.Single(rolledBack);
        Assert.Equal(RollbackReason.Error, monitor.RolledBackFor);
        Assert.Contains("NaN", monitor.RollbackDetail);
        Assert.Equal(1, harness.Metrics.CounterValue(RolloutMetrics.Rollbacks, "propensity", "v2", "error"));
        Assert.Equal(0, harness.Metrics.Gauge(RolloutMetrics.Active, "propensity", "v2", "canary").Value);

        harness.Send(Click("dot", EventType.ProductView));
        Assert.Equal("v1", harness.PropensityScores.ReadValue().ModelVersion);
    }

    [Fact]
    public void A_candidate_over_its_latency_budget_for_the_configured_rows_in_a_row_is_rolled_back()
    {
        using var harness = new ScoringHarness();
        harness.Install("propensity-v1.zip", "propensity-v1.zip");
        harness.Install("propensity-v1.zip", "propensity-v2.zip");

        // No model answers within a tenth of a microsecond: every row breaks this budget.
        harness.Plan("""{ "propensity": { "serving": "v1", "candidate": "v2", "mode": "shadow", "latencyBudgetMs": 0.0001, "latencyBreaches": 3 } }""");

        foreach (var user in Users(5))
        {
            harness.Send(Click(user, EventType.ProductView));
        }

        var monitor = harness.Models.Rollout("propensity")!.Monitor!;
        Assert.Equal(RollbackReason.Latency, monitor.RolledBackFor);
        Assert.Equal(2, monitor.Comparison.Window);
        Assert.Equal(3, monitor.Comparison.Compared);
        Assert.Equal(3, harness.Metrics.CounterValue(RolloutMetrics.Comparisons, "propensity", "v2"));
        Assert.All(harness.PropensityScores.ReadValuesToList(), s => Assert.Equal("v1", s.ModelVersion));
    }

    [Fact]
    public void A_fraud_candidate_that_would_trip_the_guardrail_where_the_serving_version_does_not_is_rolled_back()
    {
        var options = new PersonalizationOptions();
        options.Scoring.FraudGuardrailMinScores = 20;
        using var harness = new ScoringHarness(options);
        harness.Install("fraud-v1.zip", "fraud-v1.zip");
        CandidateModels.WriteDrifted(Path.Combine(harness.ModelDirectory, "fraud-v2.zip"));
        harness.Plan("""{ "fraud": { "serving": "v1", "candidate": "v2", "mode": "shadow", "minScores": 10, "maxDrift": 1000 } }""");

        foreach (var user in Users(30))
        {
            harness.Send(Click(user, EventType.Login));
        }

        var monitor = harness.Models.Rollout("fraud")!.Monitor!;
        Assert.Equal(RollbackReason.Guardrail, monitor.RolledBackFor);
        Assert.Equal(20, monitor.Comparison.Window);
        Assert.True(monitor.Comparison.CandidateHighRiskShare > 0.9);
        Assert.True(monitor.Comparison.ServingHighRiskShare < 0.2);
        Assert.False(harness.Guardrail.IsActive, "shadow scores never reach the guardrail that holds back fraud flags");
        Assert.Equal(1, harness.Metrics.CounterValue(RolloutMetrics.Rollbacks, "fraud", "v2", "guardrail"));
    }

    [Fact]
    public void A_candidate_whose_scores_drift_beyond_the_bound_is_rolled_back_once_the_window_holds_enough_rows_and_never_promoted_by_a_newer_file_rule()
    {
        using var harness = new ScoringHarness();
        harness.Install("propensity-v1.zip", "propensity-v1.zip");
        CandidateModels.WriteDrifted(Path.Combine(harness.ModelDirectory, "propensity-v2.zip"));
        harness.Plan("""{ "propensity": { "serving": "v1", "candidate": "v2", "mode": "canary", "share": 1, "minScores": 15, "maxDrift": 0.25 } }""");

        var scores = ScoreAll(harness, Users(25), 0).Values.ToList();

        Assert.Equal(14, scores.Count(s => s.ModelVersion == "v2"));
        Assert.All(scores.Where(s => s.ModelVersion == "v2"), s => Assert.True(s.Value > 0.9));
        var monitor = harness.Models.Rollout("propensity")!.Monitor!;
        Assert.Equal(RollbackReason.Drift, monitor.RolledBackFor);
        Assert.True(monitor.Comparison.Drift > 0.25);
        Assert.Equal(1, harness.Metrics.CounterValue(RolloutMetrics.Rollbacks, "propensity", "v2", "drift"));

        // Without a plan the highest valid version serves, but never one rolled back in this process.
        harness.Plan("{}");
        harness.Send(Click("late", EventType.ProductView));
        Assert.Equal("v1", harness.PropensityScores.ReadValue().ModelVersion);
    }

    [Fact]
    public void A_plan_that_pins_a_version_without_a_file_or_does_not_parse_is_rejected_and_the_plan_in_force_stays()
    {
        using var harness = new ScoringHarness();
        harness.Install("propensity-v1.zip", "propensity-v1.zip");
        harness.Install("propensity-v1.zip", "propensity-v2.zip");
        harness.Plan("""{ "propensity": { "serving": "v1", "candidate": "v2", "mode": "canary", "share": 1 } }""");

        harness.Plan("""{ "propensity": { "serving": "v7" } }""");

        // While the new plan waits for its file, the plan in force keeps taking new files of the models it leaves out.
        harness.Install("fraud-v1.zip", "fraud-v1.zip");
        harness.Models.Scan();
        Assert.Equal("v1", harness.Models.Get("fraud")?.Version);
        harness.Plan("""{ "propensity": { "serving": "v1", "candidate": "v2", "mode": "canary", "share": 1, "sahre": 0.5 } }""");

        Assert.Equal(2, harness.Metrics.CounterValue(RolloutMetrics.PlansRejected));   // each rejection counted once, however often retried
        Assert.Equal("v2", harness.Models.Plan.Models["propensity"].Candidate);
        harness.Send(Click("eve", EventType.ProductView));
        Assert.Equal("v2", harness.PropensityScores.ReadValue().ModelVersion);

        using var strict = new ModelDirectory(new ModelOptions { Directory = harness.ModelDirectory });
        var error = Assert.Throws<InvalidOperationException>(strict.Start);
        Assert.Contains("'propensity.sahre'", error.Message);
    }

    private Dictionary<string, Score> ScoreAll(ScoringHarness harness, IReadOnlyList<string> users, double secondsAfterStart)
    {
        harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(10));
        foreach (var user in users)
        {
            harness.Send(Click(user, EventType.ProductView, secondsAfterStart));
        }

        return harness.PropensityScores.ReadValuesToList().ToDictionary(s => s.UserId);
    }

    private static List<string> Users(int count) => Enumerable.Range(0, count).Select(i => $"user-{i:D4}").ToList();

    private ClickEvent Click(string user, EventType type, double secondsAfterStart = 0) => new()
    {
        EventId = $"e{++_serial}",
        UserId = user,
        SessionId = "s1",
        Type = type,
        Timestamp = EventTime.AddSeconds(secondsAfterStart),
        DeviceId = "device-1",
        Country = "DE",
    };
}
