namespace Personalization.Training.Evaluation;

/// <summary>One scorer's held-out metrics (the model's or a baseline's), each with its bootstrap interval.</summary>
public sealed record ScorerEvaluation(string Name, MetricInterval RocAuc, MetricInterval PrAuc, MetricInterval RecallAtPrecision, double Threshold);
