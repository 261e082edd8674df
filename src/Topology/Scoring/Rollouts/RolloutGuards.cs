namespace Personalization.Topology.Scoring.Rollouts;

/// <summary>The bounds a candidate must stay within; breaking one rolls it back.</summary>
public sealed record RolloutGuards
{
    /// <summary>The longest one row may spend in the candidate model.</summary>
    public TimeSpan LatencyBudget { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>How many rows in a row over <see cref="LatencyBudget"/> roll the candidate back (one slow row is usually the thread's).</summary>
    public int LatencyBreaches { get; init; } = 3;

    /// <summary>
    /// The largest population stability index allowed between the candidate's and the serving version's scores of the
    /// same rows (ten bins of width 0.1). 0.1 is commonly read as a small shift, 0.25 as a large one.
    /// </summary>
    public double MaxDrift { get; init; } = 0.25;

    /// <summary>Drift and the fraud guardrail are judged only once the window holds this many compared rows.</summary>
    public int MinScores { get; init; } = 200;

    /// <summary>How many of the latest compared rows the drift, agreement and guardrail judgements look at.</summary>
    public int Window { get; init; } = 2000;
}
