namespace Personalization.Topology.Bandit;

/// <summary>How several rewards observed for one decision combine into its training reward.</summary>
public enum RewardFunction
{
    /// <summary>The largest reward (the default: the best thing the user did).</summary>
    Max,

    /// <summary>The sum of all rewards.</summary>
    Sum,

    /// <summary>The earliest reward by event time.</summary>
    First,

    /// <summary>The latest reward by event time.</summary>
    Last,
}
