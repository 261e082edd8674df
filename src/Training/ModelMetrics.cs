namespace Personalization.Training;

/// <summary>The held-out metrics of a trained model.</summary>
public sealed record ModelMetrics(
    double RocAuc,
    double PrAuc,
    double RecallAtPrecision,
    double TargetPrecision,
    double Threshold,
    int TrainExamples,
    int TestExamples,
    double TrainPositiveRate,
    double TestPositiveRate);
