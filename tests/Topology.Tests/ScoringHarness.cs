using Personalization.Topology.Records;
using Personalization.Topology.Scoring;
using Streams.Engine.Metrics;
using Streams.Engine.Testing;

namespace Personalization.Topology.Tests;

/// <summary>The personalization topology on the topology test driver, with its model directory and guardrail.</summary>
internal sealed class ScoringHarness : IDisposable
{
    public static readonly DateTimeOffset WallStart = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    /// <param name="stateDir">A state directory to keep across harnesses (a restart); a fresh temporary one by default.</param>
    public ScoringHarness(PersonalizationOptions? options = null, string? modelDirectory = null, string? stateDir = null)
    {
        Options = options ?? new PersonalizationOptions();
        ModelDirectory = modelDirectory ?? Path.Combine(Path.GetTempPath(), "models-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(ModelDirectory);
        Metrics = new StreamsMetrics();
        Models = new ModelDirectory(new ModelOptions { Directory = ModelDirectory }, Metrics, scoring: Options.Scoring);
        Models.Scan();
        Guardrail = new FraudGuardrail(Options.Scoring, Metrics);
        Serdes = new RecordSerdes(RecordSchemas.LocalRegistry());
        var config = stateDir is null ? null : new Streams.Engine.StreamsConfig { ApplicationId = "personalization", StateDir = stateDir };
        Driver = new TopologyTestDriver(new PersonalizationTopology(Options, Serdes, Models, Guardrail).Build(), config, WallStart);
        var topics = Options.Topics;
        Events = Driver.CreateInputTopic(topics.Clickstream, Streams.Engine.Serialization.Serdes.String, Serdes.ClickEvent);
        Features = Driver.CreateOutputTopic(topics.Features, Streams.Engine.Serialization.Serdes.String, Serdes.UserFeatures);
        FraudScores = Driver.CreateOutputTopic(topics.FraudScores, Streams.Engine.Serialization.Serdes.String, Serdes.Score);
        PropensityScores = Driver.CreateOutputTopic(topics.PropensityScores, Streams.Engine.Serialization.Serdes.String, Serdes.Score);
        Decisions = Driver.CreateInputTopic(topics.Decisions, Streams.Engine.Serialization.Serdes.String, Serdes.Decision);
        Rewards = Driver.CreateInputTopic(topics.Rewards, Streams.Engine.Serialization.Serdes.String, Serdes.Reward);
        Forget = Driver.CreateInputTopic(topics.Forget, Streams.Engine.Serialization.Serdes.String, Streams.Engine.Serialization.Serdes.ByteArray);
        Training = Driver.CreateOutputTopic(topics.Training, Streams.Engine.Serialization.Serdes.String, Serdes.TrainingRecord);
        Attributes = Driver.CreateOutputTopic(topics.Attributes, Streams.Engine.Serialization.Serdes.String, Serdes.AttributeUpdate);
        if (Options.Triggers.Enabled)
        {
            Catalog = Driver.CreateInputTopic(topics.Catalog, Streams.Engine.Serialization.Serdes.String, Serdes.ItemUpdate);
        }

        Triggers = Driver.CreateOutputTopic(topics.Triggers, Streams.Engine.Serialization.Serdes.String, Serdes.Trigger);
        Evaluation = Driver.CreateOutputTopic(topics.Evaluation, Streams.Engine.Serialization.Serdes.String, Serdes.PolicyEvaluation);
    }

    /// <summary>The repository's shipped models, copied next to the test assembly.</summary>
    public static string ShippedModels => Path.Combine(AppContext.BaseDirectory, "models");

    public PersonalizationOptions Options { get; }

    public string ModelDirectory { get; }

    /// <summary>The model directory's and guardrail's metrics.</summary>
    public StreamsMetrics Metrics { get; }

    /// <summary>The metrics of the topology's tasks (scores, fallbacks, late events).</summary>
    public StreamsMetrics TaskMetrics => Driver.Metrics;

    public ModelDirectory Models { get; }

    public FraudGuardrail Guardrail { get; }

    public RecordSerdes Serdes { get; }

    public TopologyTestDriver Driver { get; }

    public TestInputTopic<string, ClickEvent> Events { get; }

    public TestOutputTopic<string, UserFeatures> Features { get; }

    public TestOutputTopic<string, Score> FraudScores { get; }

    public TestOutputTopic<string, Score> PropensityScores { get; }

    public TestInputTopic<string, Decision> Decisions { get; }

    public TestInputTopic<string, Reward> Rewards { get; }

    public TestInputTopic<string, byte[]> Forget { get; }

    public TestOutputTopic<string, TrainingRecord> Training { get; }

    public TestOutputTopic<string, PolicyEvaluation> Evaluation { get; }

    public TestOutputTopic<string, AttributeUpdate> Attributes { get; }

    /// <summary>catalog.items; null when the options turn triggers off.</summary>
    public TestInputTopic<string, ItemUpdate>? Catalog { get; }

    public TestOutputTopic<string, Trigger> Triggers { get; }

    public void Send(Decision d) => Decisions.PipeInput(d.UserId, d, d.Timestamp.ToUnixTimeMilliseconds());

    public void Send(Reward r) => Rewards.PipeInput(r.UserId, r, r.Timestamp.ToUnixTimeMilliseconds());

    public void Send(ClickEvent e) => Events.PipeInput(e.UserId, e, e.Timestamp.ToUnixTimeMilliseconds());

    public void Send(ItemUpdate item) => Catalog!.PipeInput(item.ItemId, item, item.UpdatedAt.ToUnixTimeMilliseconds());

    /// <summary>Copies a shipped model into the directory under another version (and optionally model) name.</summary>
    public void Install(string shippedFile, string asFile) =>
        File.Copy(Path.Combine(ShippedModels, shippedFile), Path.Combine(ModelDirectory, asFile), overwrite: true);

    /// <summary>Writes the rollout plan and has the model directory read it, as its poll would.</summary>
    public void Plan(string json)
    {
        File.WriteAllText(Path.Combine(ModelDirectory, "rollouts.json"), json);
        Models.Scan();
    }

    public void Dispose()
    {
        Driver.Dispose();
        Models.Dispose();
        Directory.Delete(ModelDirectory, recursive: true);
    }
}
