using Avro;

namespace Personalization.Topology;

/// <summary>The names the topology's topics have here (section "Topics"); <see cref="TopicCatalog"/> declares them.</summary>
public sealed class TopicOptions
{
    /// <summary>In: raw clickstream events (ClickEvent).</summary>
    public string Clickstream { get; set; } = TopicCatalog.Clickstream.DefaultName;

    /// <summary>In: bandit decisions (Decision).</summary>
    public string Decisions { get; set; } = TopicCatalog.Decisions.DefaultName;

    /// <summary>In: explicit rewards (Reward).</summary>
    public string Rewards { get; set; } = TopicCatalog.Rewards.DefaultName;

    /// <summary>In: users to forget (key = user id, value ignored).</summary>
    public string Forget { get; set; } = TopicCatalog.Forget.DefaultName;

    /// <summary>In, compacted: catalog items keyed by item id (ItemUpdate).</summary>
    public string Catalog { get; set; } = TopicCatalog.Catalog.DefaultName;

    /// <summary>Out: current windowed features (UserFeatures).</summary>
    public string Features { get; set; } = TopicCatalog.Features.DefaultName;

    /// <summary>Out: fraud scores (Score).</summary>
    public string FraudScores { get; set; } = TopicCatalog.FraudScores.DefaultName;

    /// <summary>Out: purchase-propensity scores (Score).</summary>
    public string PropensityScores { get; set; } = TopicCatalog.PropensityScores.DefaultName;

    /// <summary>Out: decisions joined with rewards (TrainingRecord).</summary>
    public string Training { get; set; } = TopicCatalog.Training.DefaultName;

    /// <summary>Out, compacted: attribute changes (AttributeUpdate).</summary>
    public string Attributes { get; set; } = TopicCatalog.Attributes.DefaultName;

    /// <summary>Out: item and cart triggers for email and push (Trigger).</summary>
    public string Triggers { get; set; } = TopicCatalog.Triggers.DefaultName;

    /// <summary>Out: live off-policy estimates of bandit policies (PolicyEvaluation), keyed by policy id.</summary>
    public string Evaluation { get; set; } = TopicCatalog.Evaluation.DefaultName;

    /// <summary>Out: dead letters (original bytes, error in headers).</summary>
    public string DeadLetters { get; set; } = TopicCatalog.DeadLetters.DefaultName;

    /// <summary>Every topic under its configured name, with whether it is compacted (its latest record per user is the user's state).</summary>
    public IReadOnlyList<(string Name, bool Compacted)> All() => TopicCatalog.All.Select(t => (t.NameIn(this), t.Compacted)).ToList();

    /// <summary>Each Avro topic under its configured name, with the schema of its values.</summary>
    public IReadOnlyList<(string Topic, RecordSchema Schema)> ValueSchemas() =>
        TopicCatalog.All.Where(t => t.ValueSchema is not null).Select(t => (t.NameIn(this), t.ValueSchema!)).ToList();
}
