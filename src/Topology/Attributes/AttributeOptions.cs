namespace Personalization.Topology.Attributes;

/// <summary>The granularity at which attribute changes are worth telling ad platforms, email and the site about.</summary>
public sealed class AttributeOptions
{
    /// <summary>Scores are rounded down to multiples of this; an update is sent only when the bucket changes.</summary>
    public double ScoreBucket { get; set; } = 0.05;

    /// <summary>A fraud score at or above this is MEDIUM risk.</summary>
    public double FraudMediumRisk { get; set; } = 0.5;

    /// <summary>A fraud score at or above this is HIGH risk.</summary>
    public double FraudHighRisk { get; set; } = 0.8;

    /// <summary>last_active is truncated to this, so activity alone sends at most one update per period.</summary>
    public TimeSpan LastActiveGranularity { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A user first seen less than this ago, with no cart and no purchase, is a NEW_VISITOR.</summary>
    public TimeSpan NewVisitorAge { get; set; } = TimeSpan.FromHours(1);

    public void Validate()
    {
        if (ScoreBucket is <= 0 or > 1)
        {
            throw new ArgumentException($"{nameof(ScoreBucket)} must be in (0, 1] but is {ScoreBucket}.");
        }

        if (FraudMediumRisk is <= 0 or > 1 || FraudHighRisk is <= 0 or > 1 || FraudMediumRisk > FraudHighRisk)
        {
            throw new ArgumentException($"{nameof(FraudMediumRisk)} ({FraudMediumRisk}) and {nameof(FraudHighRisk)} ({FraudHighRisk}) must be in (0, 1], medium at most high.");
        }

        if (LastActiveGranularity <= TimeSpan.Zero || NewVisitorAge < TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(LastActiveGranularity)} must be positive and {nameof(NewVisitorAge)} not negative.");
        }
    }
}
