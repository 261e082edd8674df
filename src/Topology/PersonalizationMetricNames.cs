namespace Personalization.Topology;

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

    /// <summary>Attribute updates written to users.attributes.</summary>
    public const string AttributeUpdates = "attribute-updates";

    /// <summary>Fraud scores not propagated to attributes because the fraud guardrail was active.</summary>
    public const string FraudFlagsHeld = "fraud-flags-held";

    /// <summary>Training records written.</summary>
    public const string TrainingRecords = "training-records";

    /// <summary>Training records whose reward is the default because nothing arrived in the window.</summary>
    public const string DefaultRewards = "default-rewards";

    /// <summary>Rewards that arrived after their decision's training record was written; not used.</summary>
    public const string LateRewards = "late-rewards";

    /// <summary>Rewards for decisions that never arrived, evicted after the bound.</summary>
    public const string UnknownRewardsEvicted = "unknown-rewards-evicted";

    /// <summary>Decisions seen again after the first (same event id); ignored.</summary>
    public const string DuplicateDecisions = "duplicate-decisions";

    /// <summary>Users removed on request from users.forget.</summary>
    public const string ForgottenUsers = "forgotten-users";
}
