namespace Personalization.Topology.Serving;

/// <summary>
/// A bandit decision for the user whose reward window is still open: what was chosen, by which policy, when the
/// window closes, and the rewards observed so far (explicit and derived from the clickstream).
/// </summary>
public sealed record PendingDecisionView(string DecisionId, DateTimeOffset At, string ChosenAction, string ModelId, DateTimeOffset WindowEnd, IReadOnlyList<double> Rewards);
