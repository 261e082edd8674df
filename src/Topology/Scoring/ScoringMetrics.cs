using Streams.Engine.Metrics;

namespace Personalization.Topology.Scoring;

/// <summary>The metrics of scoring, the models behind it and the fraud guardrail.</summary>
public static class ScoringMetrics
{
    /// <summary>1 µs to 100 ms: a model call takes microseconds; the latency budget (50 ms) is the far end.</summary>
    public static readonly IReadOnlyList<double> ScoringBuckets =
        [0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

    public static readonly MetricDescriptor Scores = MetricDescriptor.Counter("streams_scores_total", "scores", "Scores computed by a model.", "model");

    public static readonly MetricDescriptor HeuristicScores = MetricDescriptor.Counter(
        "streams_heuristic_scores_total", "scores",
        "Scores that fell back to the heuristic, by reason (no-model, model-error, latency-budget).", "model", "reason");

    public static readonly MetricDescriptor ScoreDuration =
        MetricDescriptor.Histogram("streams_score_duration_seconds", "Time one scoring call spends in a model.", ScoringBuckets, "model");

    public static readonly MetricDescriptor ModelLoads =
        MetricDescriptor.Counter("streams_model_loads_total", "versions", "Model versions that started serving.", "model");

    public static readonly MetricDescriptor ModelRejections = MetricDescriptor.Counter(
        "streams_model_rejections_total", "files", "Model files rejected by validation (they do not load, or score the probe set outside [0, 1]).", "model");

    public static readonly MetricDescriptor GuardrailActive = MetricDescriptor.Gauge(
        "streams_guardrail_active", "boolean", "1 while the fraud guardrail holds fraud flags back from attributes.", "model");
}
