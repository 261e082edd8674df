namespace Personalization.Topology.Scoring.Rollouts;

/// <summary>How a candidate model version takes part in scoring.</summary>
public enum RolloutMode
{
    /// <summary>Scored alongside the serving version for every user; its scores only feed the comparison.</summary>
    Shadow,

    /// <summary>Serves the users its share selects; the serving version is still scored for them, for the comparison.</summary>
    Canary,
}
