using Microsoft.ML;
using Microsoft.ML.Data;
using Personalization.Topology.Scoring;

namespace Personalization.Topology.Tests.Rollouts;

/// <summary>Real ML.NET models, trained here, that a rollout must catch: one whose scores drifted, one that fails on some input.</summary>
internal static class CandidateModels
{
    /// <summary>
    /// A logistic regression trained on all-zero vectors of which 97 % are positive: its weights stay 0, so it scores
    /// every user about 0.97, a distribution far from any sensible model's (and it rates every user a high fraud risk).
    /// </summary>
    public static void WriteDrifted(string path) => Train(path, (_, random) => random.NextDouble() < 0.97, zeros: true);

    /// <summary>
    /// A logistic regression whose weights on the 1-minute and 5-minute purchase values have opposite signs: a
    /// purchase too large for a float makes both features infinite and its score NaN, while every probe vector (and
    /// every ordinary user) scores fine.
    /// </summary>
    public static void WriteFailingOnHugePurchases(string path) => Train(path, (features, _) => features[10] > features[21]);

    private static void Train(string path, Func<float[], Random, bool> label, bool zeros = false)
    {
        var context = new MLContext(seed: 3);
        var random = new Random(3);
        var rows = Enumerable.Range(0, 400).Select(_ =>
        {
            var features = new float[FeatureVector.Length];
            for (var i = 0; i < features.Length; i++)
            {
                features[i] = zeros ? 0 : random.NextSingle();
            }

            return new Row { Features = features, Label = label(features, random) };
        }).ToList();
        var data = context.Data.LoadFromEnumerable(rows);
        var model = context.BinaryClassification.Trainers.LbfgsLogisticRegression().Fit(data);
        context.Model.Save(model, data.Schema, path);
    }

    private sealed class Row
    {
        [VectorType(FeatureVector.Length)]
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }
}
