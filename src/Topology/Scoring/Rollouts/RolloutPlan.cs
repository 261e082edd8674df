using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Personalization.Topology.Scoring.Rollouts;

/// <summary>
/// The rollout plan: a JSON file in the model directory (<see cref="ModelOptions.RolloutFile"/>) that pins each listed
/// model's serving version and names its candidate. Models it does not list serve their highest valid version. Every
/// key is checked: an unknown key, a missing one or a value out of range rejects the whole file with a message that
/// names the key.
/// <code>
/// {
///   "propensity": { "serving": "v1", "candidate": "v2", "mode": "canary", "share": 0.05, "maxDrift": 0.2 }
/// }
/// </code>
/// </summary>
public sealed partial class RolloutPlan
{
    private readonly Dictionary<string, ModelRolloutPlan> _models;

    private RolloutPlan(Dictionary<string, ModelRolloutPlan> models) => _models = models;

    /// <summary>No entries: every model serves its highest valid version.</summary>
    public static RolloutPlan Empty { get; } = new(new Dictionary<string, ModelRolloutPlan>(StringComparer.Ordinal));

    public IReadOnlyDictionary<string, ModelRolloutPlan> Models => _models;

    /// <summary>Reads a plan; <see cref="FormatException"/> names the offending key.</summary>
    public static RolloutPlan Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new FormatException($"The rollout plan is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("The rollout plan must be a JSON object with one entry per model.");
            }

            var models = new Dictionary<string, ModelRolloutPlan>(StringComparer.Ordinal);
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                if (!ModelName().IsMatch(entry.Name))
                {
                    throw new FormatException($"'{entry.Name}' is not a model name (lower-case letters, digits and '_', starting with a letter).");
                }

                models[entry.Name] = ParseModel(entry.Name, entry.Value);
            }

            return new RolloutPlan(models);
        }
    }

    /// <summary>The version number of "v&lt;N&gt;".</summary>
    internal static long VersionNumber(string version) => long.Parse(version.AsSpan(1), CultureInfo.InvariantCulture);

    private static ModelRolloutPlan ParseModel(string model, JsonElement entry)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"'{model}' must be an object.");
        }

        string? serving = null, candidate = null, mode = null;
        double? share = null;
        var guards = new RolloutGuards();
        foreach (var property in entry.EnumerateObject())
        {
            var key = $"{model}.{property.Name}";
            switch (property.Name)
            {
                case "serving":
                    serving = Version(property.Value, key);
                    break;
                case "candidate":
                    candidate = Version(property.Value, key);
                    break;
                case "mode":
                    mode = Text(property.Value, key);
                    break;
                case "share":
                    share = Number(property.Value, key, min: 0, max: 1, minExclusive: true);
                    break;
                case "latencyBudgetMs":
                    guards = guards with { LatencyBudget = TimeSpan.FromMilliseconds(Number(property.Value, key, min: 0, max: 60_000, minExclusive: true)) };
                    break;
                case "latencyBreaches":
                    guards = guards with { LatencyBreaches = Integer(property.Value, key, min: 1) };
                    break;
                case "maxDrift":
                    guards = guards with { MaxDrift = Number(property.Value, key, min: 0, max: double.MaxValue, minExclusive: true) };
                    break;
                case "minScores":
                    guards = guards with { MinScores = Integer(property.Value, key, min: 1) };
                    break;
                case "window":
                    guards = guards with { Window = Integer(property.Value, key, min: 1) };
                    break;
                default:
                    throw new FormatException($"Unknown key '{key}'; an entry takes serving, candidate, mode, share, latencyBudgetMs, latencyBreaches, maxDrift, minScores and window.");
            }
        }

        if (serving is null)
        {
            throw new FormatException($"'{model}.serving' is required: a planned model's serving version is pinned.");
        }

        if (guards.MinScores > guards.Window)
        {
            throw new FormatException($"'{model}.minScores' ({guards.MinScores}) must not exceed '{model}.window' ({guards.Window}).");
        }

        if (candidate is null)
        {
            if (mode is not null || share is not null)
            {
                throw new FormatException($"'{model}.{(mode is not null ? "mode" : "share")}' needs a '{model}.candidate'.");
            }

            return new ModelRolloutPlan { Serving = serving, Guards = guards };
        }

        if (candidate == serving)
        {
            throw new FormatException($"'{model}.candidate' must differ from '{model}.serving' ({serving}).");
        }

        var rolloutMode = mode is null
            ? throw new FormatException($"'{model}.mode' is required with a candidate: \"shadow\" or \"canary\".")
            : RolloutLabels.ModeNamed(mode) ?? throw new FormatException($"'{model}.mode' must be \"shadow\" or \"canary\", not \"{mode}\".");
        if (rolloutMode == RolloutMode.Canary && share is null)
        {
            throw new FormatException($"'{model}.share' is required for a canary: the share of users it serves, in (0, 1].");
        }

        if (rolloutMode == RolloutMode.Shadow && share is not null)
        {
            throw new FormatException($"'{model}.share' applies to a canary only; a shadow is scored for every user.");
        }

        return new ModelRolloutPlan { Serving = serving, Candidate = candidate, Mode = rolloutMode, Share = share ?? 0, Guards = guards };
    }

    private static string Text(JsonElement value, string key) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new FormatException($"'{key}' must be a string.");

    private static string Version(JsonElement value, string key)
    {
        var text = Text(value, key);
        return VersionPattern().IsMatch(text) ? text : throw new FormatException($"'{key}' must be a version like \"v2\", not \"{text}\".");
    }

    private static double Number(JsonElement value, string key, double min, double max, bool minExclusive)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            throw new FormatException($"'{key}' must be a number.");
        }

        if ((minExclusive ? number <= min : number < min) || number > max)
        {
            var range = max == double.MaxValue ? "positive" : $"in {(minExclusive ? "(" : "[")}{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]";
            throw new FormatException($"'{key}' must be {range} but is {number.ToString(CultureInfo.InvariantCulture)}.");
        }

        return number;
    }

    private static int Integer(JsonElement value, string key, int min)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            throw new FormatException($"'{key}' must be a whole number.");
        }

        return number >= min ? number : throw new FormatException($"'{key}' must be at least {min} but is {number}.");
    }

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex ModelName();

    [GeneratedRegex(@"^v\d{1,9}$")]
    private static partial Regex VersionPattern();
}
