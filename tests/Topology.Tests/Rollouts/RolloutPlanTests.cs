using Personalization.Topology.Scoring.Rollouts;

namespace Personalization.Topology.Tests.Rollouts;

public sealed class RolloutPlanTests
{
    [Fact]
    public void A_full_entry_is_read_with_its_guards_and_an_entry_without_candidate_only_pins()
    {
        var plan = RolloutPlan.Parse("""
            {
              // comments are allowed, as in appsettings.json
              "propensity": { "serving": "v1", "candidate": "v2", "mode": "canary", "share": 0.05,
                              "latencyBudgetMs": 2.5, "latencyBreaches": 4, "maxDrift": 0.1, "minScores": 100, "window": 500 },
              "fraud": { "serving": "v3" }
            }
            """);

        var propensity = plan.Models["propensity"];
        Assert.Equal(("v1", "v2", RolloutMode.Canary, 0.05), (propensity.Serving, propensity.Candidate, propensity.Mode, propensity.Share));
        Assert.Equal(new RolloutGuards { LatencyBudget = TimeSpan.FromMilliseconds(2.5), LatencyBreaches = 4, MaxDrift = 0.1, MinScores = 100, Window = 500 }, propensity.Guards);
        Assert.Null(plan.Models["fraud"].Candidate);
    }

    [Theory]
    [InlineData("""{ "propensity": { "serving": "v1", "canidate": "v2" } }""", "'propensity.canidate'")]
    [InlineData("""{ "propensity": { "candidate": "v2", "mode": "shadow" } }""", "'propensity.serving' is required")]
    [InlineData("""{ "propensity": { "serving": "1" } }""", "'propensity.serving' must be a version")]
    [InlineData("""{ "propensity": { "serving": "v1", "candidate": "v2", "mode": "canary" } }""", "'propensity.share' is required")]
    [InlineData("""{ "propensity": { "serving": "v1", "candidate": "v2", "mode": "canary", "share": 1.5 } }""", "'propensity.share' must be in (0, 1]")]
    [InlineData("""{ "propensity": { "serving": "v1", "candidate": "v2", "mode": "shadow", "share": 0.5 } }""", "'propensity.share' applies to a canary only")]
    [InlineData("""{ "propensity": { "serving": "v1", "candidate": "v2", "mode": "blue" } }""", "'propensity.mode' must be")]
    [InlineData("""{ "propensity": { "serving": "v1", "maxDrift": 0 } }""", "'propensity.maxDrift' must be positive but is 0")]
    [InlineData("""{ "propensity": { "serving": "v1", "candidate": "v1", "mode": "shadow" } }""", "'propensity.candidate' must differ")]
    [InlineData("""{ "propensity": { "serving": "v1", "mode": "shadow" } }""", "'propensity.mode' needs a 'propensity.candidate'")]
    [InlineData("""{ "propensity": { "serving": "v1", "minScores": 600, "window": 500 } }""", "'propensity.minScores' (600) must not exceed")]
    [InlineData("""{ "Propensity": { "serving": "v1" } }""", "'Propensity' is not a model name")]
    [InlineData("""{ "propensity": { "serving": "v1" """, "not valid JSON")]
    public void A_bad_plan_is_refused_with_a_message_that_names_the_key(string json, string expected)
    {
        var error = Assert.Throws<FormatException>(() => RolloutPlan.Parse(json));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
