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

        var trained = new ModelTrainer(new TrainerOptions { Trees = 20 }).Train(ClickstreamCsv.Read(new StringReader(csv.ToString())), "generated.csv", _directory, log);

        Assert.Equal(["fraud", "propensity"], trained.Select(t => t.Name));
        Assert.All(trained, model =>
        {
            Assert.Equal("v1", model.Version);
            Assert.InRange(model.Metrics.RocAuc, 0.6, 1);
            Assert.InRange(model.Metrics.PrAuc, 0, 1);
            Assert.True(model.Metrics.TestExamples > 0 && model.Metrics.TrainExamples > model.Metrics.TestExamples);
            var card = File.ReadAllText(model.CardPath);
            Assert.Contains("ROC-AUC", card, StringComparison.Ordinal);
            Assert.Contains("generated.csv", card, StringComparison.Ordinal);
            Assert.Contains(model.Name + " " + model.Version, log.ToString(), StringComparison.Ordinal);
        });

        using var models = new ModelDirectory(new ModelOptions { Directory = _directory });
        models.Scan();
        Assert.Equal("v1", models.Get("fraud")?.Version);
        Assert.Equal("v1", models.Get("propensity")?.Version);

        new ModelTrainer(new TrainerOptions { Trees = 5 }).Train(ClickstreamCsv.Read(new StringReader(csv.ToString())), "generated.csv", _directory, log);
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
    public void A_malformed_line_names_the_file_and_line()
    {
        var csv = "timestamp,user_id,event_type\n1,u1,view\nsoon,u2,view\n";

        var error = Assert.Throws<InvalidDataException>(() => ClickstreamCsv.Read(new StringReader(csv), "bad.csv").ToList());

        Assert.Contains("bad.csv line 3", error.Message, StringComparison.Ordinal);
    }
}
