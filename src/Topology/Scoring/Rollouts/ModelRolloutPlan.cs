namespace Personalization.Topology.Scoring.Rollouts;

/// <summary>
/// One model's entry in the rollout plan: the version that serves and, optionally, a candidate version in shadow or
/// canary mode with the guards it must keep.
/// </summary>
public sealed record ModelRolloutPlan
{
    /// <summary>The version serving every user the candidate does not; pinned, so a newer file does not replace it.</summary>
    public required string Serving { get; init; }

    /// <summary>The candidate version, or null for none.</summary>
    public string? Candidate { get; init; }

    public RolloutMode Mode { get; init; }

    /// <summary>The share of users (chosen by a stable hash of the user id) a canary serves, in (0, 1].</summary>
    public double Share { get; init; }

    public RolloutGuards Guards { get; init; } = new();
}
