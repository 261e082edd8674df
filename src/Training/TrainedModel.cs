namespace Personalization.Training;

/// <summary>
/// A trained model: written to the model directory, or refused (<see cref="Refusal"/> says why, and nothing was
/// written) because it did not beat the best baseline.
/// </summary>
public sealed record TrainedModel(string Name, string Version, string? ModelPath, string? CardPath, ModelMetrics Metrics, string? Refusal = null)
{
    public bool Written => ModelPath is not null;
}
