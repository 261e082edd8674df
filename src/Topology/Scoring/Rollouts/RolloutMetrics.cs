using Streams.Engine.Metrics;

namespace Personalization.Topology.Scoring.Rollouts;

/// <summary>The metrics of shadow and canary rollouts, labelled by model and the candidate's version.</summary>
public static class RolloutMetrics
{
    /// <summary>Ten bins of width 0.1: the same bins the drift is computed on.</summary>
    public static readonly IReadOnlyList<double> ScoreBuckets = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];

    public static readonly MetricDescriptor Active = MetricDescriptor.Gauge(
        "streams_rollout_active", "boolean", "1 while the candidate takes part in scoring in this mode (shadow or canary); 0 once rolled back or replaced.",
        "model", "version", "mode");

    public static readonly MetricDescriptor CanaryShare = MetricDescriptor.Gauge(
        "streams_rollout_canary_share", "ratio", "The share of users a canary serves, as the rollout plan sets it (0 for a shadow).", "model", "version");

    public static readonly MetricDescriptor Comparisons = MetricDescriptor.Counter(
        "streams_rollout_comparisons_total", "rows", "Rows scored by both the candidate and the serving version.", "model", "version");

    public static readonly MetricDescriptor Drift = MetricDescriptor.Gauge(
        "streams_rollout_drift", "psi",
        "Population stability index of the candidate's scores against the serving version's on the same rows, over the rollout window.", "model", "version");

    public static readonly MetricDescriptor Agreement = MetricDescriptor.Gauge(
        "streams_rollout_agreement", "ratio", "Share of compared rows in the window where both versions' scores fall in the same tenth of [0, 1].", "model", "version");

    public static readonly MetricDescriptor MeanAbsoluteDifference = MetricDescriptor.Gauge(
        "streams_rollout_mean_abs_difference", "score", "Mean absolute difference between the two versions' scores of the same rows, over the window.", "model", "version");

    public static readonly MetricDescriptor Scores = MetricDescriptor.Histogram(
        "streams_rollout_scores", "Scores of compared rows by role (serving, candidate): the two distributions side by side.", ScoreBuckets, "model", "version", "role");

    public static readonly MetricDescriptor RowDuration = MetricDescriptor.Histogram(
        "streams_rollout_row_duration_seconds", "Time one compared row spends in each version's model, by role (serving, candidate).",
        ScoringMetrics.ScoringBuckets, "model", "version", "role");

    public static readonly MetricDescriptor Rollbacks = MetricDescriptor.Counter(
        "streams_rollout_rollbacks_total", "rollbacks", "Candidates rolled back automatically, by reason (error, latency, guardrail, drift).", "model", "version", "reason");

    public static readonly MetricDescriptor PlansRejected = MetricDescriptor.Counter(
        "streams_rollout_plans_rejected_total", "files", "Rollout plan files rejected (invalid, or naming a serving version that cannot serve); the previous plan stays.");
}
