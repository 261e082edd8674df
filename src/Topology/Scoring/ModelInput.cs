using Microsoft.ML.Data;

namespace Personalization.Topology.Scoring;

/// <summary>One row for ML.NET: the feature vector and, when training, the label.</summary>
public sealed class ModelInput
{
    [VectorType(FeatureVector.Length)]
    public float[] Features { get; set; } = new float[FeatureVector.Length];

    public bool Label { get; set; }
}
