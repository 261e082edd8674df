namespace Personalization.Training.Evaluation;

/// <summary>
/// The model against the baseline with the best PR-AUC, on the same bootstrap resamples: the paired differences
/// (model − baseline) of ROC-AUC and PR-AUC with their intervals.
/// </summary>
public sealed record BaselineComparison(string Baseline, MetricInterval RocAucDifference, MetricInterval PrAucDifference)
{
    /// <summary>The model's PR-AUC is above the best baseline's (the point estimates); what <c>train</c> requires.</summary>
    public bool BeatsOnPrAuc => PrAucDifference.Value > 0;

    /// <summary>Both differences' intervals lie above zero: better beyond the resampling noise.</summary>
    public bool BeatsBeyondInterval => RocAucDifference.AboveZero && PrAucDifference.AboveZero;

    /// <summary>The comparison in words, for the report and the card.</summary>
    public string Verdict => BeatsBeyondInterval ? "better beyond the bootstrap interval on both"
        : BeatsOnPrAuc ? "better on PR-AUC, but not beyond the bootstrap interval on both"
        : "not better on PR-AUC";
}
