namespace Personalization;

/// <summary>The topology's own metrics, next to the engine's (labels in parentheses).</summary>
public static class PersonalizationMetricNames
{
    /// <summary>Model versions that started serving (model).</summary>
    public const string ModelLoads = "model-loads";

    /// <summary>Model files rejected by validation (model).</summary>
    public const string ModelRejections = "model-rejections";

    /// <summary>Scores computed by a model (model).</summary>
    public const string Scores = "scores";

    /// <summary>Scores that fell back to the heuristic (model); see <see cref="HeuristicReasons"/>.</summary>
    public const string HeuristicScores = "heuristic-scores";

    /// <summary>Model scoring time per call, seconds (model).</summary>
    public const string ScoreDuration = "score-duration";

    /// <summary>1 while the fraud guardrail holds back fraud flags, else 0 (model).</summary>
    public const string GuardrailActive = "guardrail-active";

    /// <summary>Events too old to change any feature.</summary>
    public const string LateFeatureEvents = "late-feature-events";
}

/// <summary>Why a heuristic score replaced a model's.</summary>
public static class HeuristicReasons
{
    public const string NoModel = "no-model";
    public const string ModelError = "model-error";
    public const string LatencyBudget = "latency-budget";
}
