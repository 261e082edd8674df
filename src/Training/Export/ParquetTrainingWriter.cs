using System.Text.Json.Serialization;
using Parquet.Serialization;
using Personalization.Topology.Records;

namespace Personalization.Training.Export;

/// <summary>
/// Training records as a Parquet file for notebooks (pandas, Spark, DuckDB): one row per decision with every field of
/// the record, the context as a map, actions and probabilities as lists, times in UTC, and the cost (−reward) and the
/// chosen action's index precomputed.
/// </summary>
public static class ParquetTrainingWriter
{
    /// <summary>Writes <paramref name="records"/>; returns how many.</summary>
    public static async Task<long> WriteAsync(Stream output, IEnumerable<TrainingRecord> records, CancellationToken cancellationToken = default)
    {
        var rows = records.Select(Row.Of).ToList();
        await ParquetSerializer.SerializeAsync(rows, output, cancellationToken: cancellationToken).ConfigureAwait(false);
        return rows.Count;
    }

    /// <summary>A row of the file; the column names are the schema's field names.</summary>
    public sealed class Row
    {
        [JsonPropertyName("decision_id")]
        public string DecisionId { get; set; } = "";

        [JsonPropertyName("user_id")]
        public string UserId { get; set; } = "";

        [JsonPropertyName("decision_timestamp")]
        public DateTime DecisionTimestamp { get; set; }

        public Dictionary<string, double> Context { get; set; } = [];

        [JsonPropertyName("actions")]
        public List<string> Actions { get; set; } = [];

        [JsonPropertyName("chosen_action")]
        public string ChosenAction { get; set; } = "";

        [JsonPropertyName("chosen_index")]
        public int ChosenIndex { get; set; }

        [JsonPropertyName("probability")]
        public double Probability { get; set; }

        [JsonPropertyName("probabilities")]
        public List<double> Probabilities { get; set; } = [];

        [JsonPropertyName("model_id")]
        public string ModelId { get; set; } = "";

        [JsonPropertyName("reward")]
        public double Reward { get; set; }

        [JsonPropertyName("cost")]
        public double Cost { get; set; }

        [JsonPropertyName("reward_source")]
        public string RewardSource { get; set; } = "";

        [JsonPropertyName("observations")]
        public int Observations { get; set; }

        [JsonPropertyName("window_end")]
        public DateTime WindowEnd { get; set; }

        public static Row Of(TrainingRecord record) => new()
        {
            DecisionId = record.DecisionId,
            UserId = record.UserId,
            DecisionTimestamp = record.DecisionTimestamp.UtcDateTime,
            Context = new Dictionary<string, double>(record.Context),
            Actions = [.. record.Actions],
            ChosenAction = record.ChosenAction,
            ChosenIndex = record.ChosenIndex(),
            Probability = record.Probability,
            Probabilities = [.. record.Probabilities],
            ModelId = record.ModelId,
            Reward = record.Reward,
            Cost = -record.Reward,
            RewardSource = Symbols.Of(record.RewardSource),
            Observations = record.Observations,
            WindowEnd = record.WindowEnd.UtcDateTime,
        };
    }
}
