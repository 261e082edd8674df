namespace Personalization.Topology.Bandit;

/// <summary>One reward observed for a decision.</summary>
public readonly record struct RewardObservation(double Value, bool Explicit, long Timestamp);
