namespace Personalization.Topology.Scoring;

/// <summary>A score and what produced it.</summary>
public readonly record struct ScoreResult(double Value, string Version, bool Heuristic);
