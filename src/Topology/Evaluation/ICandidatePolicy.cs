using Personalization.Topology.Records;

namespace Personalization.Topology.Evaluation;

/// <summary>
/// A policy evaluated against the logged decisions without ever deciding: it says with what probability it would have
/// chosen the action the logged policy chose, given the decision's context and actions as logged.
/// </summary>
public interface ICandidatePolicy
{
    /// <summary>The policy's id, the <c>policy_id</c> of its estimates.</summary>
    string Id { get; }

    /// <summary>The probability, in [0, 1], that this policy chooses <see cref="TrainingRecord.ChosenAction"/> for <paramref name="decision"/>.</summary>
    double ProbabilityOfChosen(TrainingRecord decision);
}
