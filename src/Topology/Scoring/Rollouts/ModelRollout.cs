using Personalization.Topology.Experiments;

namespace Personalization.Topology.Scoring.Rollouts;

/// <summary>
/// What scores one model right now: the serving version and, during a rollout, the candidate with its mode, canary
/// share and monitor. Immutable; the model directory publishes a new one when the files or the plan change, and a
/// scorer reads it once per call, so a ramp applies from the next event on without a pause.
/// </summary>
public sealed class ModelRollout
{
    private readonly ulong _canarySeed;

    internal ModelRollout(string model, ScoringModel? serving, ScoringModel? candidate, RolloutMode mode, double share, CandidateMonitor? monitor)
    {
        Model = model;
        Serving = serving;
        Candidate = candidate;
        Mode = mode;
        Share = share;
        Monitor = monitor;
        _canarySeed = candidate is null ? 0 : ExperimentAssigner.Seed(CanarySalt(model, candidate.Version));
    }

    public string Model { get; }

    /// <summary>The version serving every user the candidate does not, or null if none has loaded.</summary>
    public ScoringModel? Serving { get; }

    /// <summary>The candidate, or null when no candidate is planned or its file has not loaded.</summary>
    public ScoringModel? Candidate { get; }

    public RolloutMode Mode { get; }

    /// <summary>The share of users a canary serves.</summary>
    public double Share { get; }

    /// <summary>The candidate's comparison and guards; null without a candidate.</summary>
    public CandidateMonitor? Monitor { get; }

    /// <summary>The candidate is loaded and not rolled back.</summary>
    public bool CandidateActive => Candidate is not null && Monitor is { Active: true };

    /// <summary>
    /// Where a user falls for a canary of <paramref name="version"/>: a position in [0, 1), the same hash as experiment
    /// arms over the name <c>rollout/&lt;model&gt;/&lt;version&gt;</c>. The canary serves the users below its share, so
    /// ramping up keeps every user it already served, and each candidate version picks its own users.
    /// </summary>
    public static double CanaryPosition(string model, string version, string userId) => ExperimentAssigner.Position(CanarySalt(model, version), userId);

    /// <summary>Whether the canary serves <paramref name="userId"/> (false for a shadow, or without an active candidate).</summary>
    public bool Serves(string userId) => Mode == RolloutMode.Canary && CandidateActive && ExperimentAssigner.Position(_canarySeed, userId) < Share;

    private static string CanarySalt(string model, string version) => $"rollout/{model}/{version}";
}
