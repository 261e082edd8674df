using Microsoft.ML;
using Microsoft.ML.Data;

namespace Personalization.Topology.Scoring;

/// <summary>A validated model version, ready to score. Immutable; a new version replaces it as a whole.</summary>
public sealed class ScoringModel
{
    internal ScoringModel(string name, string version, string path, MLContext context, ITransformer transformer, int inputLength)
    {
        Name = name;
        Version = version;
        Path = path;
        Context = context;
        Transformer = transformer;
        InputLength = inputLength;
    }

    /// <summary>"fraud" or "propensity".</summary>
    public string Name { get; }

    /// <summary>The version from the file name, e.g. "v3".</summary>
    public string Version { get; }

    public string Path { get; }

    internal MLContext Context { get; }

    internal ITransformer Transformer { get; }

    /// <summary>
    /// How many of the feature vector's leading values the model was trained on: one of
    /// <see cref="FeatureVector.Lengths"/>, the current length or an earlier one, since features are only ever appended.
    /// </summary>
    public int InputLength { get; }

    /// <summary>
    /// A prediction engine for this version, taking inputs of <see cref="InputLength"/> values; not thread-safe, so
    /// each task makes its own.
    /// </summary>
    internal PredictionEngine<ModelInput, ModelOutput> CreateEngine()
    {
        var input = SchemaDefinition.Create(typeof(ModelInput));
        input[nameof(ModelInput.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, InputLength);
        return Context.Model.CreatePredictionEngine<ModelInput, ModelOutput>(Transformer, inputSchemaDefinition: input);
    }

    /// <summary>An input row for this version's engines, sized to <see cref="InputLength"/>.</summary>
    internal ModelInput CreateInput() => new() { Features = new float[InputLength] };
}
