using System.Text.Json;
using System.Text.Json.Serialization;
using Personalization.Topology.Records;

namespace Personalization.Topology.Evaluation;

/// <summary>
/// A candidate policy from a policy file (docs/data-science/evaluation.md): each action's score is its bias plus the
/// dot product of the decision's context with the action's weights (or the default weights for an action without its
/// own), and the scores become probabilities by a softmax at a temperature, or epsilon-greedily (the best-scoring
/// action, the first of the logged ranking on a tie, gets 1 − ε; every action ε / n).
/// </summary>
public sealed class LinearPolicy : ICandidatePolicy
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    private readonly File _file;

    private LinearPolicy(File file) => _file = file;

    public string Id => _file.Id;

    /// <summary>Reads a policy file; throws <see cref="FormatException"/> saying what is wrong with it.</summary>
    public static LinearPolicy Parse(string json)
    {
        File? file;
        try
        {
            file = JsonSerializer.Deserialize<File>(json, Json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"not a policy file: {e.Message}", e);
        }

        if (file is null || string.IsNullOrWhiteSpace(file.Id))
        {
            throw new FormatException("a policy file needs an \"id\".");
        }

        switch (file.Exploration)
        {
            case "softmax" when file.Temperature is not (> 0 and < double.PositiveInfinity):
                throw new FormatException($"policy '{file.Id}': a softmax needs a positive \"temperature\".");
            case "epsilon-greedy" when file.Epsilon is not (>= 0 and <= 1):
                throw new FormatException($"policy '{file.Id}': epsilon-greedy needs an \"epsilon\" between 0 and 1.");
            case "softmax" or "epsilon-greedy":
                break;
            default:
                throw new FormatException($"policy '{file.Id}': \"exploration\" must be \"softmax\" or \"epsilon-greedy\" but is '{file.Exploration}'.");
        }

        return new LinearPolicy(file);
    }

    public double ProbabilityOfChosen(TrainingRecord decision)
    {
        var chosen = decision.ChosenIndex();
        if (chosen < 0)
        {
            return 0;
        }

        var actions = decision.Actions;
        Span<double> scores = actions.Count <= 64 ? stackalloc double[actions.Count] : new double[actions.Count];
        for (var i = 0; i < actions.Count; i++)
        {
            scores[i] = Score(actions[i], decision.Context);
        }

        if (_file.Exploration == "epsilon-greedy")
        {
            var best = 0;
            for (var i = 1; i < scores.Length; i++)
            {
                if (scores[i] > scores[best])
                {
                    best = i;
                }
            }

            var epsilon = _file.Epsilon!.Value;
            return (chosen == best ? 1 - epsilon : 0) + epsilon / actions.Count;
        }

        // A softmax shifted by the largest score, so that no exponent overflows.
        var temperature = _file.Temperature!.Value;
        var max = double.NegativeInfinity;
        foreach (var score in scores)
        {
            max = Math.Max(max, score);
        }

        var sum = 0.0;
        foreach (var score in scores)
        {
            sum += Math.Exp((score - max) / temperature);
        }

        return Math.Exp((scores[chosen] - max) / temperature) / sum;
    }

    private double Score(string action, IReadOnlyDictionary<string, double> context)
    {
        var score = _file.Bias?.GetValueOrDefault(action) ?? 0;
        var weights = _file.Weights?.GetValueOrDefault(action) ?? _file.DefaultWeights;
        if (weights is null)
        {
            return score;
        }

        foreach (var (feature, value) in context)
        {
            if (weights.TryGetValue(feature, out var weight))
            {
                score += weight * value;
            }
        }

        return score;
    }

    private sealed class File
    {
        public string Id { get; set; } = "";

        public string Exploration { get; set; } = "";

        public double? Temperature { get; set; }

        public double? Epsilon { get; set; }

        public Dictionary<string, double>? Bias { get; set; }

        public Dictionary<string, Dictionary<string, double>>? Weights { get; set; }

        public Dictionary<string, double>? DefaultWeights { get; set; }
    }
}
