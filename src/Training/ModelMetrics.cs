using Personalization.Training.Evaluation;

namespace Personalization.Training;

/// <summary>
/// The held-out evaluation of a trained model: its metrics, the same metrics of the baselines on the same examples
/// (<see cref="Scorers"/>, the model first), each with a 95 % bootstrap interval, and the model against the best baseline.
/// </summary>
public sealed record ModelMetrics(
    double RocAuc,
    double PrAuc,
    double RecallAtPrecision,
    double TargetPrecision,
    double Threshold,
    int TrainExamples,
    int TestExamples,
    double TrainPositiveRate,
    double TestPositiveRate)
{
    public IReadOnlyList<ScorerEvaluation> Scorers { get; init; } = [];

    public BaselineComparison? Comparison { get; init; }

    public int TestPositives { get; init; }

    public int TestUsers { get; init; }

    /// <summary>Examples left out because their label horizon was not fully observed (past the data's end, or across the split).</summary>
    public int Censored { get; init; }

    public int Resamples { get; init; }
}
