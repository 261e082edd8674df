namespace Personalization.Topology;

/// <summary>Why a heuristic score replaced a model's.</summary>
public static class HeuristicReasons
{
    public const string NoModel = "no-model";
    public const string ModelError = "model-error";
    public const string LatencyBudget = "latency-budget";
}
