namespace Personalization.Topology.Scoring;

/// <summary>What a binary classifier returns; <see cref="Probability"/> is the calibrated score.</summary>
public sealed class ModelOutput
{
    public float Probability { get; set; }

    public float Score { get; set; }

    public bool PredictedLabel { get; set; }
}
