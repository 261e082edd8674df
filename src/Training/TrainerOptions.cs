namespace Personalization.Training;

/// <summary>How the trainer builds examples and models.</summary>
public sealed class TrainerOptions
{
    /// <summary>A propensity example is positive if the user purchases within this long after the scoring moment.</summary>
    public TimeSpan PurchaseHorizon { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Propensity moments per user are at least this far apart in event time, as in serving.</summary>
    public TimeSpan PropensityInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The latest share of the time range held out for evaluation.</summary>
    public double HoldoutShare { get; set; } = 0.2;

    /// <summary>Recall is reported at this precision.</summary>
    public double TargetPrecision { get; set; } = 0.8;

    /// <summary>
    /// Examples per model at most; beyond that negatives are subsampled evenly and weighted by the sampling factor, so
    /// the calibrated probabilities still reflect the true positive rate (the card says so).
    /// </summary>
    public int MaxExamples { get; set; } = 400_000;

    /// <summary>Bootstrap resamples (of users) behind every interval in the report.</summary>
    public int BootstrapResamples { get; set; } = 200;

    /// <summary>Write a model even when it does not beat the best baseline on PR-AUC.</summary>
    public bool Force { get; set; }

    public int Trees { get; set; } = 100;

    public int Leaves { get; set; } = 31;

    public double LearningRate { get; set; } = 0.1;

    public int Seed { get; set; } = 7;
}
