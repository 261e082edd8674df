namespace Personalization.Topology.Records;

/// <summary>Where a training record's reward came from, in the schema's symbol order.</summary>
public enum RewardSource
{
    /// <summary>From bandit.rewards.</summary>
    Explicit,

    /// <summary>From the user's clickstream inside the reward window.</summary>
    Derived,

    /// <summary>Both explicit and derived rewards contributed.</summary>
    Mixed,

    /// <summary>Nothing arrived: the default reward.</summary>
    Default,
}
