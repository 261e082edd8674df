namespace Personalization.Topology.Scoring.Rollouts;

/// <summary>Why a candidate was rolled back; the <c>reason</c> label of <c>streams_rollout_rollbacks_total</c>.</summary>
public enum RollbackReason
{
    /// <summary>The candidate threw or scored outside [0, 1].</summary>
    Error,

    /// <summary>The candidate took longer than its latency budget for the configured number of rows in a row.</summary>
    Latency,

    /// <summary>The candidate's scores would turn the fraud guardrail on where the serving version's do not.</summary>
    Guardrail,

    /// <summary>The candidate's score distribution drifted beyond the bound from the serving version's on the same users.</summary>
    Drift,
}
