namespace Personalization.Topology.Scoring;

/// <summary>When users are scored and the guardrails around the models.</summary>
public sealed class ScoringOptions
{
    /// <summary>A user's propensity is scored at most once per interval; changed users are rescored when it has passed.</summary>
    public TimeSpan PropensityInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often the wall-clock punctuator scores users whose interval has passed. Input waits while a round runs, so
    /// frequent small rounds keep that wait short.
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The time one scoring call (one event, or one punctuated batch) may spend in a model. Rows left when it is spent
    /// get the heuristic, and <see cref="BreakerThreshold"/> rows in a row over budget also bypass the model for
    /// <see cref="BreakerCooldown"/>.
    /// </summary>
    public TimeSpan LatencyBudget { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a model that blew its budget is bypassed before it is tried again.</summary>
    public TimeSpan BreakerCooldown { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many consecutive rows over budget open the breaker. One slow row is usually the thread's, not the model's (a
    /// garbage collection, a busy core): it keeps its model score, and the next rows still try the model.
    /// </summary>
    public int BreakerThreshold { get; set; } = 3;

    /// <summary>A fraud score at or above this is high risk.</summary>
    public double FraudHighRiskThreshold { get; set; } = 0.8;

    /// <summary>When more than this share of fraud scores in the guardrail window is high risk, fraud flags stop propagating.</summary>
    public double FraudGuardrailCeiling { get; set; } = 0.2;

    /// <summary>
    /// Once active, the guardrail stays on until the share falls to this level or below (or the window holds too few
    /// scores to judge), so a share hovering at the ceiling does not flap.
    /// </summary>
    public double FraudGuardrailRecovery { get; set; } = 0.15;

    /// <summary>The guardrail's sliding window.</summary>
    public TimeSpan FraudGuardrailWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The guardrail judges a window only once it holds this many fraud scores.</summary>
    public int FraudGuardrailMinScores { get; set; } = 50;

    public void Validate()
    {
        Positive(PropensityInterval, nameof(PropensityInterval));
        Positive(FlushInterval, nameof(FlushInterval));
        Positive(BreakerCooldown, nameof(BreakerCooldown));
        if (BreakerThreshold < 1)
        {
            throw new ArgumentException($"{nameof(BreakerThreshold)} must be at least 1 but is {BreakerThreshold}.");
        }

        Positive(FraudGuardrailWindow, nameof(FraudGuardrailWindow));
        if (LatencyBudget < TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(LatencyBudget)} must not be negative but is {LatencyBudget}.");
        }

        if (FraudHighRiskThreshold is <= 0 or > 1)
        {
            throw new ArgumentException($"{nameof(FraudHighRiskThreshold)} must be in (0, 1] but is {FraudHighRiskThreshold}.");
        }

        if (FraudGuardrailCeiling is <= 0 or > 1)
        {
            throw new ArgumentException($"{nameof(FraudGuardrailCeiling)} must be in (0, 1] but is {FraudGuardrailCeiling}.");
        }

        if (FraudGuardrailRecovery < 0 || FraudGuardrailRecovery > FraudGuardrailCeiling)
        {
            throw new ArgumentException($"{nameof(FraudGuardrailRecovery)} must be in [0, {nameof(FraudGuardrailCeiling)}] but is {FraudGuardrailRecovery}.");
        }

        if (FraudGuardrailMinScores < 1)
        {
            throw new ArgumentException($"{nameof(FraudGuardrailMinScores)} must be at least 1 but is {FraudGuardrailMinScores}.");
        }
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{name} must be positive but is {value}.");
        }
    }
}
