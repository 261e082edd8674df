namespace Personalization.Training;

/// <summary>A model written to the model directory.</summary>
public sealed record TrainedModel(string Name, string Version, string ModelPath, string CardPath, ModelMetrics Metrics);
