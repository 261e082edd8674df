namespace Personalization.Topology.Records;

/// <summary>How a policy's value was estimated, in the schema's symbol order.</summary>
public enum Estimator
{
    /// <summary>The logged policy's own mean reward.</summary>
    OnPolicy,

    /// <summary>Inverse propensity scoring: the mean of importance-weighted rewards.</summary>
    Ips,

    /// <summary>Self-normalized IPS: importance-weighted rewards divided by the sum of the weights.</summary>
    Snips,
}
