using Personalization.Topology.Records;

namespace Personalization.Topology.Evaluation;

/// <summary>The baseline that picks any of the decision's actions with equal probability.</summary>
public sealed class UniformRandomPolicy : ICandidatePolicy
{
    public const string Name = "uniform";

    public string Id => Name;

    public double ProbabilityOfChosen(TrainingRecord decision) => decision.Actions.Count == 0 ? 0 : 1.0 / decision.Actions.Count;
}
