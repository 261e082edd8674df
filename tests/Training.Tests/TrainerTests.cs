using Personalization.Simulation;
using Personalization.Topology.Records;
using Personalization.Topology.Scoring;

namespace Personalization.Training.Tests;

public sealed class TrainerTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "trainer-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void A_generated_clickstream_trains_both_models_that_the_model_directory_accepts_with_cards_and_held_out_metrics()
    {
        var csv = new StringWriter();
        ClickstreamCsv.Write(new ClickstreamGenerator(new GeneratorOptions { Users = 3_000, Seed = 11, SessionsPerSecond = 2 }).Take(120_000), csv);
        var log = new StringWriter();

        var trained = new ModelTrainer(new TrainerOptions { Trees = 20, Force = true }).Train(ClickstreamCsv.Read(new StringReader(csv.ToString())), "generated.csv", _directory, log);

        Assert.Equal(["fraud", "propensity"], trained.Select(t => t.Name));
        string[] baselines = ["logistic regression", "add-to-carts so far", "fallback heuristic", "base rate"];
        Assert.All(trained, model =>
        {
            Assert.Equal("v1", model.Version);
            Assert.True(model.Written);
            Assert.InRange(model.Metrics.RocAuc, 0.6, 1);
            Assert.InRange(model.Metrics.PrAuc, 0, 1);
            Assert.True(model.Metrics.TestExamples > 0 && model.Metrics.TrainExamples > model.Metrics.TestExamples);
            Assert.Equal(["model", .. baselines], model.Metrics.Scorers.Select(s => s.Name));
            Assert.All(model.Metrics.Scorers, s => Assert.InRange(s.PrAuc.Value, s.PrAuc.Lower, s.PrAuc.Upper));
            Assert.Contains(model.Metrics.Comparison!.Baseline, baselines);
            var card = File.ReadAllText(model.CardPath!);
            Assert.Contains("generated.csv", card, StringComparison.Ordinal);
            Assert.All(baselines, b => Assert.Contains($"| {b} |", card, StringComparison.Ordinal));
            Assert.Contains(model.Name + " " + model.Version, log.ToString(), StringComparison.Ordinal);
        });

        using var models = new ModelDirectory(new ModelOptions { Directory = _directory });
        models.Scan();
        Assert.Equal("v1", models.Get("fraud")?.Version);
        Assert.Equal("v1", models.Get("propensity")?.Version);

        new ModelTrainer(new TrainerOptions { Trees = 5, Force = true }).Train(ClickstreamCsv.Read(new StringReader(csv.ToString())), "generated.csv", _directory, log);
        models.Scan();
        Assert.Equal("v2", models.Get("propensity")?.Version);
    }

    [Fact]
    public void A_retail_export_is_read_with_mapped_event_types_and_inactivity_sessions_and_trains_only_propensity()
    {
        var rows = new List<string> { "timestamp,user_id,event_type,item_id,transactionid" };
        var random = new Random(3);
        var time = 1_430_000_000_000L;
        for (var i = 0; i < 30_000; i++)
        {
            var user = random.Next(400);
            time += random.Next(5_000);
            var type = random.NextDouble() switch { < 0.85 => "view", < 0.97 => "addtocart", _ => "transaction" };
            rows.Add($"{time},{user},{type},{random.Next(500)},");
        }

        var events = ClickstreamCsv.Read(new StringReader(string.Join('\n', rows)), "retail.csv").ToList();

        Assert.Equal(30_000, events.Count);
        Assert.All(events, e => Assert.Null(e.IsFraudster));
        Assert.Equal(new[] { EventType.ProductView, EventType.AddToCart, EventType.Purchase }, events.Select(e => e.Event.Type).Distinct().Order());
        var firstUser = events.Where(e => e.Event.UserId == events[0].Event.UserId).Select(e => e.Event).ToList();
        for (var i = 1; i < firstUser.Count; i++)
        {
            var gap = firstUser[i].Timestamp - firstUser[i - 1].Timestamp;
            Assert.Equal(gap <= TimeSpan.FromMinutes(30), firstUser[i].SessionId == firstUser[i - 1].SessionId);
        }

        var log = new StringWriter();
        var trained = new ModelTrainer(new TrainerOptions { Trees = 5 }).Train(events, "retail.csv", _directory, log);

        Assert.Equal("propensity", Assert.Single(trained).Name);
        Assert.Contains("no is_fraudster column", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_that_ranks_no_better_than_a_baseline_is_not_written_unless_forced_and_the_report_says_why()
    {
        // Every user views once, at the start of a minute, so every view moment has the same features; half of them
        // buy two minutes later. No scorer can rank one view above another, so the model at best ties the logistic
        // regression, which also learns that a moment right after a purchase is not followed by another.
        var rows = new List<string> { "timestamp,user_id,event_type,item_id" };
        var start = 1_700_000_040_000L - (1_700_000_040_000L % 60_000);
        for (var user = 0; user < 600; user++)
        {
            var view = start + (user * 600_000L);
            rows.Add($"{view},u{user},view,i{user}");
            if (user % 2 == 0)
            {
                rows.Add($"{view + 120_000},u{user},transaction,i{user}");
            }
        }

        var events = ClickstreamCsv.Read(new StringReader(string.Join('\n', rows)), "ties.csv").ToList();
        var log = new StringWriter();

        var refused = Assert.Single(new ModelTrainer(new TrainerOptions { Trees = 5 }).Train(events, "ties.csv", _directory, log));

        Assert.False(refused.Written);
        Assert.Equal(0, refused.Metrics.Comparison!.PrAucDifference.Value);
        Assert.Contains("does not beat the logistic regression baseline", refused.Refusal, StringComparison.Ordinal);
        Assert.Contains("propensity v1: not written", log.ToString(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory, "*.zip"));

        var forced = Assert.Single(new ModelTrainer(new TrainerOptions { Trees = 5, Force = true }).Train(events, "ties.csv", _directory, log));
        Assert.True(forced.Written);
        Assert.Equal("v1", forced.Version);
        Assert.Contains("not better on PR-AUC", File.ReadAllText(forced.CardPath!), StringComparison.Ordinal);
    }

    [SharedDataFact("taobao-userbehavior")]
    public void On_the_real_taobao_slice_the_report_compares_the_model_with_every_baseline_and_a_model_that_does_not_beat_them_is_written_only_when_forced()
    {
        var path = Path.Combine(SharedData.Find("taobao-userbehavior")!, "events.csv");
        var events = ClickstreamCsv.Read(new StreamReader(path), "events.csv").ToList();
        var options = new TrainerOptions { Trees = 20, PurchaseHorizon = TimeSpan.FromMinutes(10) };
        var log = new StringWriter();

        var model = Assert.Single(new ModelTrainer(options).Train(events, "events.csv", _directory, log));

        var metrics = model.Metrics;
        Assert.Equal(5, metrics.Scorers.Count);
        Assert.True(metrics.TestPositives >= 100, $"only {metrics.TestPositives} held-out positives");
        Assert.True(metrics.Censored > 0, "examples within the horizon of the data's end have no observed label and must be left out");
        var report = log.ToString();
        Assert.All(metrics.Scorers, s => Assert.Contains(s.Name, report, StringComparison.Ordinal));
        Assert.Contains("bootstrap resamples of users", report, StringComparison.Ordinal);
        if (metrics.Comparison!.BeatsOnPrAuc)
        {
            Assert.True(model.Written);
            return;
        }

        Assert.False(model.Written);
        Assert.Empty(Directory.GetFiles(_directory, "*.zip"));
        Assert.Contains($"does not beat the {metrics.Comparison.Baseline} baseline", model.Refusal, StringComparison.Ordinal);
        Assert.Contains("--force", report, StringComparison.Ordinal);

        var forced = Assert.Single(new ModelTrainer(new TrainerOptions { Trees = 20, PurchaseHorizon = TimeSpan.FromMinutes(10), Force = true }).Train(events, "events.csv", _directory, log));
        Assert.True(forced.Written);
        Assert.Contains("not better on PR-AUC", File.ReadAllText(forced.CardPath!), StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_line_names_the_file_and_line()
    {
        var csv = "timestamp,user_id,event_type\n1,u1,view\nsoon,u2,view\n";

        var error = Assert.Throws<InvalidDataException>(() => ClickstreamCsv.Read(new StringReader(csv), "bad.csv").ToList());

        Assert.Contains("bad.csv line 3", error.Message, StringComparison.Ordinal);
    }
}
