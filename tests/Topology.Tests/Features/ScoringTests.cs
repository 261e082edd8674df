using Microsoft.ML;
using Microsoft.ML.Data;
using Personalization.Topology.Features;
using Personalization.Topology.Records;
using Personalization.Topology.Scoring;
using Streams.Engine.Dsl.Processors;

namespace Personalization.Topology.Tests.Features;

public sealed class ScoringTests
{
    private static readonly DateTimeOffset EventTime = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
    private int _serial;

    private ClickEvent Event(string user, EventType type, double secondsAfterStart = 0, string session = "s1") => new()
    {
        EventId = $"e{++_serial}",
        UserId = user,
        SessionId = session,
        Type = type,
        Timestamp = EventTime.AddSeconds(secondsAfterStart),
        DeviceId = "device-1",
        Country = "DE",
    };

    [Fact]
    public void Propensity_is_scored_at_most_once_per_interval_and_the_punctuator_rescores_changed_users_when_it_has_passed()
    {
        using var harness = new ScoringHarness();
        harness.Install("propensity-v1.zip", "propensity-v1.zip");
        harness.Models.Scan();

        harness.Send(Event("alice", EventType.PageView, 0));
        harness.Send(Event("bob", EventType.PageView, 0));
        var first = harness.PropensityScores.ReadValuesToList();
        Assert.Equal(["alice", "bob"], first.Select(s => s.UserId));
        Assert.All(first, s => Assert.Equal("v1", s.ModelVersion));
        Assert.Equal(2, harness.Features.ReadValuesToList().Count);

        for (var i = 1; i <= 3; i++)
        {
            harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(1));
            harness.Send(Event("alice", EventType.ProductView, i));
        }

        Assert.True(harness.PropensityScores.IsEmpty, "alice changed within the interval and must not be rescored yet");
        Assert.True(harness.Features.IsEmpty);

        harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(2));   // 5 s after alice's last score
        var rescored = Assert.Single(harness.PropensityScores.ReadRecordsToList());
        Assert.Equal("alice", rescored.Key);
        Assert.Null(rescored.Value.TriggerEventId);
        Assert.Equal(EventTime.AddSeconds(3), rescored.Value.AsOf);
        Assert.Equal(EventTime.AddSeconds(3).ToUnixTimeMilliseconds(), rescored.Timestamp);
        var features = Assert.Single(harness.Features.ReadValuesToList());
        Assert.Equal(4, features.Session.Events);
        Assert.Equal(3, features.Last1m.ProductViews);

        harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(30));
        Assert.True(harness.PropensityScores.IsEmpty, "nobody changed, so nobody is rescored");

        var search = Event("alice", EventType.Search, 40);
        harness.Send(search);
        Assert.Equal(search.EventId, Assert.Single(harness.PropensityScores.ReadValuesToList()).TriggerEventId);
    }

    [Fact]
    public void Fraud_is_scored_on_every_event_that_carries_fraud_risk_and_not_on_others()
    {
        using var harness = new ScoringHarness();
        harness.Install("fraud-v1.zip", "fraud-v1.zip");
        harness.Models.Scan();

        var risky = new[] { EventType.Login, EventType.AddressChange, EventType.CheckoutStart, EventType.PaymentAttempt, EventType.PaymentFailed, EventType.Purchase };
        var harmless = new[] { EventType.PageView, EventType.ProductView, EventType.Search, EventType.AddToCart, EventType.EmailClick };
        var sent = new List<ClickEvent>();
        foreach (var type in harmless.Concat(risky))
        {
            var e = Event("carol", type, sent.Count);
            sent.Add(e);
            harness.Send(e);
        }

        var scores = harness.FraudScores.ReadValuesToList();
        Assert.Equal(sent.Where(e => UserScoringProcessor.IsFraudRisk(e.Type)).Select(e => e.EventId), scores.Select(s => s.TriggerEventId));
        Assert.All(scores, s =>
        {
            Assert.Equal("fraud", s.Model);
            Assert.Equal("v1", s.ModelVersion);
            Assert.False(s.Heuristic);
            Assert.InRange(s.Value, 0, 1);
        });
        Assert.Equal(risky.Length, harness.TaskMetrics.CounterValue(ScoringMetrics.Scores, "fraud"));
    }

    [Fact]
    public void A_new_model_version_is_swapped_in_without_a_restart_and_a_bad_file_is_rejected_while_the_old_version_keeps_serving()
    {
        using var harness = new ScoringHarness();
        harness.Install("fraud-v1.zip", "fraud-v1.zip");
        harness.Models.Scan();
        var loaded = new List<string>();
        harness.Models.ModelLoaded += m => loaded.Add($"{m.Name}-{m.Version}");

        harness.Send(Event("dave", EventType.Login, 0));
        Assert.Equal("v1", harness.FraudScores.ReadValue().ModelVersion);

        harness.Install("fraud-v1.zip", "fraud-v2.zip");
        harness.Models.Scan();
        harness.Send(Event("dave", EventType.PaymentAttempt, 1));
        Assert.Equal("v2", harness.FraudScores.ReadValue().ModelVersion);

        File.WriteAllBytes(Path.Combine(harness.ModelDirectory, "fraud-v3.zip"), "not a model"u8.ToArray());
        WriteModelForAnotherFeatureVector(Path.Combine(harness.ModelDirectory, "fraud-v4.zip"));
        harness.Models.Scan();
        harness.Models.Scan();
        harness.Send(Event("dave", EventType.PaymentFailed, 2));

        var score = harness.FraudScores.ReadValue();
        Assert.Equal("v2", score.ModelVersion);
        Assert.False(score.Heuristic);
        Assert.Equal(["fraud-v2"], loaded);
        Assert.Equal(2, harness.Metrics.CounterValue(ScoringMetrics.ModelRejections, "fraud"));
        Assert.Equal("v2", harness.Models.Get("fraud")!.Version);
    }

    [Fact]
    public void Without_a_model_or_over_the_latency_budget_the_documented_heuristic_scores_and_each_fallback_is_counted()
    {
        var options = new PersonalizationOptions();
        options.Scoring.LatencyBudget = TimeSpan.Zero;
        using var harness = new ScoringHarness(options);
        harness.Install("propensity-v1.zip", "propensity-v1.zip");
        harness.Models.Scan();

        harness.Send(Event("erin", EventType.PaymentFailed, 0));

        var fraud = harness.FraudScores.ReadValue();
        var propensity = harness.PropensityScores.ReadValue();
        var features = harness.Features.ReadValue();
        Assert.True(fraud.Heuristic);
        Assert.Equal(Heuristics.Version, fraud.ModelVersion);
        Assert.Equal(Heuristics.Fraud(features), fraud.Value, 12);
        Assert.True(propensity.Heuristic);
        Assert.Equal(Heuristics.Propensity(features), propensity.Value, 12);
        Assert.Equal(1, harness.TaskMetrics.CounterValue(ScoringMetrics.HeuristicScores, "fraud", HeuristicReasons.NoModel));
        Assert.Equal(1, harness.TaskMetrics.CounterValue(ScoringMetrics.HeuristicScores, "propensity", HeuristicReasons.LatencyBudget));
    }

    [Fact]
    public void The_fraud_guardrail_trips_when_too_many_scores_are_high_risk_and_recovers_as_the_minute_slides_on()
    {
        var options = new PersonalizationOptions();
        options.Scoring.FraudGuardrailMinScores = 10;
        options.Scoring.FraudGuardrailCeiling = 0.2;
        options.Scoring.FraudGuardrailRecovery = 0.1;
        using var harness = new ScoringHarness(options);
        var changes = new List<bool>();
        harness.Guardrail.Changed += changes.Add;

        for (var user = 0; user < 10; user++)
        {
            harness.Send(Event($"calm-{user}", EventType.Login, user));
        }

        Assert.False(harness.Guardrail.IsActive);
        for (var user = 0; user < 5; user++)
        {
            // Ten payment failures in ten minutes take the heuristic fraud score near 1.
            for (var i = 0; i < 10; i++)
            {
                harness.Send(Event($"risky-{user}", EventType.PaymentFailed, 20 + i));
            }
        }

        Assert.True(harness.Guardrail.IsActive);
        Assert.True(harness.Guardrail.HighRiskShare > 0.2);
        Assert.Equal(1, harness.Metrics.Gauge(ScoringMetrics.GuardrailActive, "fraud").Value);
        Assert.Contains(harness.FraudScores.ReadValuesToList(), s => s.Value >= 0.8);

        harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(70));

        Assert.False(harness.Guardrail.IsActive);
        Assert.Equal(0, harness.Metrics.Gauge(ScoringMetrics.GuardrailActive, "fraud").Value);
        Assert.Equal([true, false], changes);
    }

    [Fact]
    public void An_event_older_than_the_retention_before_the_users_latest_changes_nothing_and_is_counted()
    {
        using var harness = new ScoringHarness();
        harness.Send(Event("frank", EventType.PageView, 26 * 3600));
        harness.Features.ReadValuesToList();
        harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(10));

        harness.Send(Event("frank", EventType.Login, 0));

        Assert.True(harness.Features.IsEmpty);
        Assert.True(harness.FraudScores.IsEmpty);
        Assert.Equal(1, harness.TaskMetrics.CounterValue(DroppedRecordMetrics.LateRecordsDropped, Personalization.Topology.Features.UserScoringProcessor.TileStore));
    }

    [Fact]
    public void A_bots_distinct_values_saturate_at_the_per_minute_bound_while_its_events_still_count()
    {
        using var harness = new ScoringHarness();
        for (var i = 0; i < 100; i++)
        {
            harness.Send(Event("bot", EventType.ProductView, i * 0.5) with { ItemId = $"item-{i}", DeviceId = $"device-{i}" });
        }

        harness.Send(Event("bot", EventType.Login, 55));
        var minute = harness.Features.ReadValuesToList()[^1];
        Assert.Equal(100, minute.Last1m.ProductViews);
        Assert.Equal(FeatureTile.MaxDistinctValues, minute.DistinctItems1h);
        Assert.Equal(FeatureTile.MaxDistinctValues, minute.Session.DistinctItems);
        Assert.Equal(FeatureTile.MaxDistinctValues, minute.Fraud.DistinctDevices24h);

        // The bound is per minute: the next minute's new values add to the hour's union.
        for (var i = 0; i < 10; i++)
        {
            harness.Send(Event("bot", EventType.ProductView, 70 + i) with { ItemId = $"later-item-{i}", DeviceId = $"later-device-{i}" });
        }

        harness.Send(Event("bot", EventType.Login, 85));
        var next = harness.Features.ReadValuesToList()[^1];
        Assert.Equal(FeatureTile.MaxDistinctValues + 10, next.DistinctItems1h);
        Assert.Equal(FeatureTile.MaxDistinctValues + 10, next.Fraud.DistinctDevices24h);
        Assert.Equal(110, next.Last1h.ProductViews);
    }

    /// <summary>A working ML.NET model, but for three features: it cannot take the topology's vector.</summary>
    private static void WriteModelForAnotherFeatureVector(string path)
    {
        var context = new MLContext(seed: 1);
        var random = new Random(1);
        var rows = Enumerable.Range(0, 200).Select(_ => new SmallInput { Features = [random.NextSingle(), random.NextSingle(), random.NextSingle()], Label = random.Next(2) == 1 });
        var data = context.Data.LoadFromEnumerable(rows);
        var model = context.BinaryClassification.Trainers.FastTree(numberOfTrees: 5, minimumExampleCountPerLeaf: 5).Fit(data);
        context.Model.Save(model, data.Schema, path);
    }

    private sealed class SmallInput
    {
        [VectorType(3)]
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }
}
