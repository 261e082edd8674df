namespace Personalization.Topology.Scoring.Rollouts;

/// <summary>
/// The names of rollout modes and rollback reasons as the rollout plan, the metric labels, the log and
/// <c>/v1/models</c> all spell them: "shadow", "canary"; "error", "latency", "guardrail", "drift".
/// </summary>
public static class RolloutLabels
{
    public static string Of(RolloutMode mode) => mode == RolloutMode.Canary ? "canary" : "shadow";

    public static string Of(RollbackReason reason) => reason.ToString().ToLowerInvariant();

    /// <summary>The mode named <paramref name="label"/>, or null for any other text.</summary>
    public static RolloutMode? ModeNamed(string label) => Enum.GetValues<RolloutMode>().Select(m => (RolloutMode?)m).FirstOrDefault(m => Of(m!.Value) == label);
}
