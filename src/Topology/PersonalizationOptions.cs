using Personalization.Topology.Attributes;
using Personalization.Topology.Bandit;
using Personalization.Topology.Evaluation;
using Personalization.Topology.Experiments;
using Personalization.Topology.Scoring;
using Personalization.Topology.Triggers;
using Streams.Engine.State;

namespace Personalization.Topology;

/// <summary>Everything the topology's behaviour depends on besides its collaborators.</summary>
public sealed class PersonalizationOptions
{
    public TopicOptions Topics { get; set; } = new();

    public ScoringOptions Scoring { get; set; } = new();

    public AttributeOptions Attributes { get; set; } = new();

    public RewardJoinOptions RewardJoin { get; set; } = new();

    public TriggerOptions Triggers { get; set; } = new();

    public EvaluationOptions Evaluation { get; set; } = new();

    public ExperimentOptions Experiments { get; set; } = new();

    /// <summary>Where the stores live: RocksDB (default) or memory (tests, benchmarks of the logic alone).</summary>
    public StoreType StoreType { get; set; } = StoreType.RocksDb;

    public void Validate()
    {
        Scoring.Validate();
        Attributes.Validate();
        RewardJoin.Validate();
        Triggers.Validate();
        Evaluation.Validate();
        Experiments.Validate();
    }
}
