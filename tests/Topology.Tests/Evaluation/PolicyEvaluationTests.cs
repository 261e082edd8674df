using Personalization.Topology.Evaluation;
using Personalization.Topology.Records;

namespace Personalization.Topology.Tests.Evaluation;

/// <summary>
/// Live policy evaluation on the topology test driver: decisions of two logged policies are joined with their rewards,
/// and the estimates written to bandit.evaluation must equal the estimators computed by brute force over the training
/// records the same run wrote.
/// </summary>
public sealed class PolicyEvaluationTests : IDisposable
{
    private const string SoftmaxFile = """
        { "id": "linear-softmax", "exploration": "softmax", "temperature": 0.7,
          "bias": { "item-1": 0.5 }, "weights": { "item-2": { "hour": 0.05 }, "item-3": { "mobile": 1.2 } } }
        """;

    private static readonly DateTimeOffset T0 = ScoringHarness.WallStart;
    private readonly string _policies = Path.Combine(Path.GetTempPath(), "policies-" + Guid.NewGuid().ToString("N"));

    public PolicyEvaluationTests()
    {
        Directory.CreateDirectory(_policies);
        File.WriteAllText(Path.Combine(_policies, "softmax.json"), SoftmaxFile);
    }

    public void Dispose() => Directory.Delete(_policies, recursive: true);

    private ScoringHarness Harness()
    {
        var options = new PersonalizationOptions();
        options.Evaluation.EmitInterval = TimeSpan.FromSeconds(10);
        options.Evaluation.PolicyDirectory = _policies;
        return new ScoringHarness(options);
    }

    /// <summary>Decisions of two logged policies over three actions, each chosen with its logged probability; explicit rewards for most.</summary>
    private static void SendDecisions(ScoringHarness harness, int count)
    {
        var random = new Random(17);
        string[] actions = ["item-1", "item-2", "item-3"];
        for (var i = 0; i < count; i++)
        {
            var model = i % 3 == 0 ? "eg-b" : "eg-a";
            double[] probabilities = model == "eg-a" ? [0.8, 0.1, 0.1] : [0.4, 0.3, 0.3];
            var draw = random.NextDouble();
            var chosen = draw < probabilities[0] ? 0 : draw < probabilities[0] + probabilities[1] ? 1 : 2;
            var user = $"u{i % 20}";
            harness.Send(new Decision
            {
                EventId = $"d{i}",
                UserId = user,
                Timestamp = T0.AddSeconds(i * 0.25),
                Context = new Dictionary<string, double> { ["hour"] = 9 + (i % 5), ["mobile"] = i % 2 },
                Actions = actions,
                ChosenAction = actions[chosen],
                Probability = probabilities[chosen],
                Probabilities = probabilities,
                ModelId = model,
            });
            if (random.Next(4) != 0)
            {
                harness.Send(new Reward { EventId = $"d{i}", UserId = user, Value = random.Next(4), Timestamp = T0.AddSeconds((i * 0.25) + 1) });
            }
        }
    }

    [Fact]
    public void The_estimates_of_the_logged_policies_and_of_every_candidate_equal_a_brute_force_evaluation_of_the_training_records()
    {
        using var harness = Harness();
        SendDecisions(harness, 240);
        // The reward windows close after 22 s; the next emission (every 10 s) writes the estimates.
        harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(90));
        harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(10));

        var training = harness.Training.ReadValuesToList();
        Assert.Equal(240, training.Count);
        var latest = harness.Evaluation.ReadKeyValuesToList()
            .GroupBy(kv => (kv.Value.PolicyId, kv.Value.LoggedPolicy, kv.Value.Estimator))
            .ToDictionary(g => g.Key, g => g.Last());

        var softmax = LinearPolicy.Parse(SoftmaxFile);
        var candidates = new Dictionary<string, Func<TrainingRecord, double>>
        {
            ["uniform"] = record => 1.0 / record.Actions.Count,
            ["always-rank-0"] = record => record.ChosenAction == record.Actions[0] ? 1 : 0,
            ["linear-softmax"] = softmax.ProbabilityOfChosen,
        };
        foreach (var logged in new[] { "eg-a", "eg-b" })
        {
            var records = training.Where(t => t.ModelId == logged).ToList();
            var onPolicy = latest[(logged, logged, Estimator.OnPolicy)];
            Assert.Equal(onPolicy.Key, onPolicy.Value.PolicyId);
            Assert.Equal(records.Count, onPolicy.Value.Records);
            Assert.Equal(records.Average(t => t.Reward), onPolicy.Value.Estimate, 9);
            Assert.True(onPolicy.Value.CiLower < onPolicy.Value.Estimate && onPolicy.Value.Estimate < onPolicy.Value.CiUpper);
            Assert.Equal(T0, onPolicy.Value.WindowStart);
            Assert.Equal(T0.AddHours(1), onPolicy.Value.WindowEnd);

            foreach (var (candidate, probability) in candidates)
            {
                var weights = records.Select(t => (W: probability(t) / t.Probability, R: t.Reward)).ToList();
                var ips = latest[(candidate, logged, Estimator.Ips)].Value;
                var snips = latest[(candidate, logged, Estimator.Snips)].Value;
                Assert.Equal(weights.Average(x => x.W * x.R), ips.Estimate, 9);
                Assert.Equal(weights.Sum(x => x.W * x.R) / weights.Sum(x => x.W), snips.Estimate, 9);
                Assert.Equal(Math.Pow(weights.Sum(x => x.W), 2) / weights.Sum(x => x.W * x.W), ips.EffectiveSampleSize, 9);
                Assert.Equal(records.Count, ips.Records);
            }

            Assert.Equal(
                latest[("linear-softmax", logged, Estimator.Snips)].Value.Estimate,
                harness.TaskMetrics.Gauge(EvaluationMetrics.PolicyValue, "linear-softmax", logged, "SNIPS").Value, 12);
        }
    }

    [Fact]
    public void Estimates_are_written_each_interval_only_for_windows_that_received_records()
    {
        using var harness = Harness();
        SendDecisions(harness, 40);
        harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(40));
        harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(10));
        var first = harness.Evaluation.ReadValuesToList();
        Assert.NotEmpty(first);

        harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(30));
        Assert.True(harness.Evaluation.IsEmpty, "no training record arrived since the last estimates");

        // 2 logged policies: ON_POLICY each, and IPS + SNIPS for each of 3 candidates.
        Assert.Equal(2 * (1 + (3 * 2)), first.GroupBy(e => (e.PolicyId, e.LoggedPolicy, e.Estimator)).Count());
    }
}
