using Personalization.Topology.Experiments;
using Personalization.Topology.Records;

namespace Personalization.Topology.Tests.Experiments;

/// <summary>
/// Deterministic per-user experiment arms: the documented hash (checked against an independent implementation), the
/// weights, independence between experiments, what a change of weights moves, and the arms on the records users see.
/// </summary>
public sealed class ExperimentAssignmentTests
{
    private static readonly string[] Users = Enumerable.Range(0, 100_000).Select(i => $"user-{i}").ToArray();

    private static ExperimentAssigner Assigner(params (string Experiment, (string Arm, double Weight)[] Arms)[] experiments) => new(new ExperimentOptions
    {
        Arms = experiments.ToDictionary(e => e.Experiment, e => e.Arms.ToDictionary(a => a.Arm, a => a.Weight)),
    });

    [Theory]
    [InlineData("homepage-ranker", "user-42", 0.19351833490147174)]
    [InlineData("homepage-ranker", "user-7", 0.76631000682148)]
    [InlineData("email-subject", "user-42", 0.9420145460752379)]
    public void A_users_position_is_the_documented_hash_which_a_downstream_job_can_recompute(string experiment, string user, double position)
    {
        // The expected values come from a separate implementation of the documented steps (FNV-1a 64, SplitMix64's finalizer, top 53 bits).
        Assert.Equal(position, ExperimentAssigner.Position(experiment, user), 15);
    }

    [Fact]
    public void Arms_get_shares_of_users_in_proportion_to_their_weights_and_experiments_split_users_independently()
    {
        var assigner = Assigner(("ranker", [("control", 80), ("treatment", 20)]), ("subject", [("a", 1), ("b", 1)]));
        var assignments = Users.Select(assigner.Assign).ToList();

        var treatment = assignments.Count(a => a["ranker"] == "treatment") / (double)Users.Length;
        var b = assignments.Count(a => a["subject"] == "b") / (double)Users.Length;
        var both = assignments.Count(a => a["ranker"] == "treatment" && a["subject"] == "b") / (double)Users.Length;
        Assert.InRange(treatment, 0.19, 0.21);
        Assert.InRange(b, 0.49, 0.51);
        Assert.InRange(both, (treatment * b) - 0.01, (treatment * b) + 0.01);
        Assert.Equal(assignments.Select(a => a["ranker"]), Users.Select(u => Assigner(("ranker", [("treatment", 20), ("control", 80)])).Assign(u)["ranker"]).ToList());
    }

    [Fact]
    public void Ramping_a_treatment_up_moves_users_only_into_it()
    {
        var before = Assigner(("ranker", [("control", 99), ("treatment", 1)]));
        var after = Assigner(("ranker", [("control", 50), ("treatment", 50)]));

        var moved = Users.Where(u => before.Assign(u)["ranker"] != after.Assign(u)["ranker"]).ToList();
        Assert.All(moved, u => Assert.Equal(("control", "treatment"), (before.Assign(u)["ranker"], after.Assign(u)["ranker"])));
        Assert.InRange(moved.Count / (double)Users.Length, 0.48, 0.50);
    }

    [Theory]
    [InlineData(-1.0, "weights are 0 or more")]
    [InlineData(0.0, "add up to 0")]
    public void Bad_weights_stop_start_up_naming_the_experiment(double weight, string reason)
    {
        var options = new ExperimentOptions { Arms = new() { ["ranker"] = new() { ["control"] = weight } } };
        var message = Assert.Throws<ArgumentException>(options.Validate).Message;
        Assert.Contains("'ranker'", message);
        Assert.Contains(reason, message);
    }

    [Fact]
    public void Scores_attribute_updates_and_training_records_carry_the_users_arms()
    {
        var options = new PersonalizationOptions();
        options.Experiments.Arms["ranker"] = new() { ["control"] = 50, ["treatment"] = 50 };
        using var harness = new ScoringHarness(options);
        var t0 = ScoringHarness.WallStart;
        var users = Enumerable.Range(0, 20).Select(i => $"u{i}").ToList();
        foreach (var user in users)
        {
            harness.Send(new ClickEvent { EventId = $"c-{user}", UserId = user, SessionId = "s", Type = EventType.CheckoutStart, Timestamp = t0, ItemId = "item-1", Price = 10 });
            harness.Send(new Decision
            {
                EventId = $"d-{user}", UserId = user, Timestamp = t0, Context = new Dictionary<string, double>(), Actions = ["a", "b"], ChosenAction = "a",
                Probability = 0.5, Probabilities = [0.5, 0.5], ModelId = "m",
            });
        }

        harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(30));

        var expected = users.ToDictionary(u => u, u => ExperimentAssigner.Position("ranker", u) < 0.5 ? "control" : "treatment");
        Assert.Contains("treatment", expected.Values);
        Assert.Contains("control", expected.Values);
        var fraud = harness.FraudScores.ReadValuesToList();
        var attributes = harness.Attributes.ReadValuesToList();
        var training = harness.Training.ReadValuesToList();
        Assert.Equal(users.Count, training.Count);
        Assert.All(fraud, s => Assert.Equal(expected[s.UserId], s.Experiments["ranker"]));
        Assert.All(attributes, a => Assert.Equal(expected[a.UserId], a.Experiments["ranker"]));
        Assert.All(training, t => Assert.Equal(expected[t.UserId], t.Experiments["ranker"]));
        Assert.Equal(users.Order(), fraud.Select(s => s.UserId).Distinct().Order());
        Assert.NotEmpty(attributes);
    }
}
