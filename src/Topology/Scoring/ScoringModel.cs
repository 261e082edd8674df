using Microsoft.ML;

namespace Personalization.Topology.Scoring;

/// <summary>A validated model version, ready to score. Immutable; a new version replaces it as a whole.</summary>
public sealed class ScoringModel
{
    internal ScoringModel(string name, string version, string path, MLContext context, ITransformer transformer)
    {
        Name = name;
        Version = version;
        Path = path;
        Context = context;
        Transformer = transformer;
    }

    /// <summary>"fraud" or "propensity".</summary>
    public string Name { get; }

    /// <summary>The version from the file name, e.g. "v3".</summary>
    public string Version { get; }

    public string Path { get; }

    internal MLContext Context { get; }

    internal ITransformer Transformer { get; }

    /// <summary>A prediction engine for this version; not thread-safe, so each task makes its own.</summary>
    internal PredictionEngine<ModelInput, ModelOutput> CreateEngine() =>
        Context.Model.CreatePredictionEngine<ModelInput, ModelOutput>(Transformer);
}
