using Personalization.Topology.Evaluation;
using Personalization.Topology.Records;
using Streams.Engine.Metrics;

namespace Personalization.Topology.Tests.Evaluation;

/// <summary>The candidate policies: the baselines, policy files and the directory they are dropped into.</summary>
public sealed class CandidatePolicyTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "policies-" + Guid.NewGuid().ToString("N"));

    public CandidatePolicyTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static TrainingRecord Decision(string chosen, double hour = 9, double mobile = 1) => new()
    {
        DecisionId = "d1",
        UserId = "u1",
        DecisionTimestamp = ScoringHarness.WallStart,
        Context = new Dictionary<string, double> { ["hour"] = hour, ["mobile"] = mobile },
        Actions = ["item-1", "item-2", "item-3"],
        ChosenAction = chosen,
        Probability = 0.5,
        Probabilities = [0.5, 0.25, 0.25],
        ModelId = "logged",
        Reward = 1,
        RewardSource = RewardSource.Explicit,
        Observations = 1,
        WindowEnd = ScoringHarness.WallStart.AddSeconds(20),
        JoinedAt = ScoringHarness.WallStart.AddSeconds(22),
    };

    private const string Softmax = """
        {
          "id": "linear-softmax",
          "exploration": "softmax",
          "temperature": 0.5,
          "bias": { "item-1": 0.2 },
          "weights": { "item-2": { "hour": 0.1, "mobile": -0.3 } },
          "default_weights": { "mobile": 0.4 }
        }
        """;

    [Fact]
    public void The_baselines_are_uniform_over_the_logged_actions_and_always_the_action_at_one_rank()
    {
        Assert.Equal(1.0 / 3, new UniformRandomPolicy().ProbabilityOfChosen(Decision("item-3")), 12);
        var top = new AlwaysRankPolicy(0);
        Assert.Equal(("always-rank-0", 1.0, 0.0), (top.Id, top.ProbabilityOfChosen(Decision("item-1")), top.ProbabilityOfChosen(Decision("item-2"))));
        Assert.Equal(1.0, new AlwaysRankPolicy(7).ProbabilityOfChosen(Decision("item-3")));
    }

    [Fact]
    public void A_softmax_policy_file_gives_each_action_its_softmax_probability_of_bias_plus_weighted_context()
    {
        var policy = LinearPolicy.Parse(Softmax);
        var scores = new[] { 0.2 + 0.4, (0.1 * 9) - 0.3, 0.4 };
        var norm = scores.Sum(s => Math.Exp(s / 0.5));

        Assert.Equal("linear-softmax", policy.Id);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(Math.Exp(scores[i] / 0.5) / norm, policy.ProbabilityOfChosen(Decision($"item-{i + 1}")), 12);
        }

        Assert.Equal(0, policy.ProbabilityOfChosen(Decision("item-9")));
    }

    [Fact]
    public void An_epsilon_greedy_policy_file_gives_the_best_action_1_minus_epsilon_plus_its_share_of_epsilon()
    {
        var policy = LinearPolicy.Parse("""{ "id": "greedy", "exploration": "epsilon-greedy", "epsilon": 0.3, "weights": { "item-3": { "hour": 1 } } }""");

        Assert.Equal(0.7 + 0.1, policy.ProbabilityOfChosen(Decision("item-3")), 12);
        Assert.Equal(0.1, policy.ProbabilityOfChosen(Decision("item-1")), 12);
        Assert.Equal(0.7 + 0.1, policy.ProbabilityOfChosen(Decision("item-1", hour: -1)), 12);
    }

    [Theory]
    [InlineData("""{ "exploration": "softmax", "temperature": 1 }""", "needs an \"id\"")]
    [InlineData("""{ "id": "p", "exploration": "greedy" }""", "must be \"softmax\" or \"epsilon-greedy\"")]
    [InlineData("""{ "id": "p", "exploration": "softmax", "temperature": 0 }""", "positive \"temperature\"")]
    [InlineData("""{ "id": "p", "exploration": "epsilon-greedy", "epsilon": 1.5 }""", "\"epsilon\" between 0 and 1")]
    [InlineData("""{ "id": "p", "exploration": "softmax", "temperature": 1, "wieghts": {} }""", "not a policy file")]
    [InlineData("""{ "id": "p", """, "not a policy file")]
    public void A_bad_policy_file_is_refused_saying_what_is_wrong(string json, string reason)
    {
        Assert.Contains(reason, Assert.Throws<FormatException>(() => LinearPolicy.Parse(json)).Message);
    }

    [Fact]
    public void The_directory_picks_up_new_and_changed_files_keeps_the_last_good_version_of_a_broken_one_and_drops_deleted_ones()
    {
        var metrics = new StreamsMetrics();
        var directory = new PolicyDirectory(new EvaluationOptions { PolicyDirectory = _directory }, metrics);
        Assert.Empty(directory.Policies);

        var file = Path.Combine(_directory, "candidate.json");
        File.WriteAllText(file, Softmax);
        directory.Refresh();
        Assert.Equal(["linear-softmax"], directory.Policies.Select(p => p.Id));

        File.WriteAllText(file, """{ "id": "linear-softmax", "exploration": """);
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(5));
        directory.Refresh();
        directory.Refresh();
        Assert.Equal(["linear-softmax"], directory.Policies.Select(p => p.Id));
        Assert.Equal(1, metrics.CounterValue(EvaluationMetrics.PolicyFilesRejected, "candidate.json"));

        File.WriteAllText(Path.Combine(_directory, "copy.json"), Softmax);
        File.WriteAllText(Path.Combine(_directory, "uniform.json"), """{ "id": "uniform", "exploration": "softmax", "temperature": 1 }""");
        directory.Refresh();
        Assert.Equal(["linear-softmax"], directory.Policies.Select(p => p.Id));
        Assert.Equal(1, metrics.CounterValue(EvaluationMetrics.PolicyFilesRejected, "copy.json"));
        Assert.Equal(1, metrics.CounterValue(EvaluationMetrics.PolicyFilesRejected, "uniform.json"));

        File.Delete(file);
        directory.Refresh();
        Assert.Equal(["linear-softmax"], directory.Policies.Select(p => p.Id));
        File.Delete(Path.Combine(_directory, "copy.json"));
        directory.Refresh();
        Assert.Empty(directory.Policies);
    }

    [Theory]
    [InlineData("always-best")]
    [InlineData("always-rank-x")]
    public void An_unknown_baseline_stops_start_up_naming_it(string baseline)
    {
        var options = new EvaluationOptions { Baselines = [baseline] };
        Assert.Contains($"unknown baseline '{baseline}'", Assert.Throws<ArgumentException>(options.Validate).Message);
    }
}
