namespace Personalization.Topology.Scoring.Rollouts;

/// <summary>
/// How a candidate compares with the serving version over the rollout window: rows in the window and compared in
/// total, the population stability index, the share of rows whose scores fall in the same tenth, the mean absolute
/// difference, and for the fraud model each version's high-risk share.
/// </summary>
public sealed record RolloutComparison(
    int Window, long Compared, double Drift, double Agreement, double MeanAbsoluteDifference, double? ServingHighRiskShare, double? CandidateHighRiskShare);
