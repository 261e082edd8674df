using System.Text.Json;
using Parquet.Serialization;
using Personalization.Topology.Records;
using Personalization.Training.Export;

namespace Personalization.Training.Tests;

/// <summary>
/// The training data in Vowpal Wabbit's DSJSON, checked field by field against the format (the label, Timestamp,
/// Version, EventId, a, p, c with _multi, VWState), and in Parquet, for records with explicit, derived and default rewards.
/// </summary>
public sealed class TrainingExportTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 10, 15, 30, 250, TimeSpan.Zero);

    private static TrainingRecord Record(string id, string chosen, double reward, RewardSource source, int observations) => new()
    {
        DecisionId = id,
        UserId = "user-7",
        DecisionTimestamp = T0,
        Context = new Dictionary<string, double> { ["hour"] = 10, ["affinity"] = 0.25 },
        Actions = ["item-1", "item-2", "item-3"],
        ChosenAction = chosen,
        Probability = chosen == "item-1" ? 0.8 : 0.1,
        Probabilities = [0.8, 0.1, 0.1],
        ModelId = "bandit-eg-v3",
        Reward = reward,
        RewardSource = source,
        Observations = observations,
        WindowEnd = T0.AddSeconds(20),
        JoinedAt = T0.AddSeconds(22),
    };

    private static readonly TrainingRecord[] Records =
    [
        Record("explicit", "item-2", 3, RewardSource.Explicit, 1),
        Record("derived", "item-1", 1, RewardSource.Derived, 2),
        Record("default", "item-3", 0, RewardSource.Default, 0),
    ];

    [Fact]
    public void Each_record_is_one_DSJSON_line_with_the_label_the_ranked_actions_their_probabilities_and_the_context()
    {
        using var stream = new MemoryStream();
        Assert.Equal(3, DsJsonWriter.WriteLines(stream, Records));
        var lines = System.Text.Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);

        foreach (var (line, record) in lines.Zip(Records))
        {
            using var document = JsonDocument.Parse(line);
            var json = document.RootElement;
            var chosen = record.Actions.ToList().IndexOf(record.ChosenAction);
            Assert.Equal(-record.Reward, json.GetProperty("_label_cost").GetDouble());
            Assert.Equal(record.Probability, json.GetProperty("_label_probability").GetDouble());
            Assert.Equal(chosen + 1, json.GetProperty("_label_Action").GetInt32());
            Assert.Equal(chosen, json.GetProperty("_labelIndex").GetInt32());
            Assert.Equal("2026-11-29T10:15:30.2500000Z", json.GetProperty("Timestamp").GetString());
            Assert.Equal("1", json.GetProperty("Version").GetString());
            Assert.Equal(record.DecisionId, json.GetProperty("EventId").GetString());

            // a: 1-based indices into _multi, the chosen action first; p: their probabilities in the same order.
            var a = json.GetProperty("a").EnumerateArray().Select(x => x.GetInt32()).ToList();
            var p = json.GetProperty("p").EnumerateArray().Select(x => x.GetDouble()).ToList();
            Assert.Equal(chosen + 1, a[0]);
            Assert.Equal([1, 2, 3], a.Order());
            Assert.Equal(a.Select(i => record.Probabilities[i - 1]), p);
            Assert.Equal(record.Probability, p[0]);

            var c = json.GetProperty("c");
            Assert.Equal(10, c.GetProperty("Context").GetProperty("hour").GetDouble());
            Assert.Equal(0.25, c.GetProperty("Context").GetProperty("affinity").GetDouble());
            Assert.Equal(record.Actions, c.GetProperty("_multi").EnumerateArray().Select(x => x.GetProperty("Action").GetProperty("id").GetString()));
            Assert.Equal(record.ModelId, json.GetProperty("VWState").GetProperty("m").GetString());
            Assert.Equal(record.RewardSource.ToString().ToUpperInvariant(), json.GetProperty("_reward_source").GetString());
            Assert.Equal(record.Observations, json.GetProperty("_observations").GetInt32());
        }
    }

    [Fact]
    public async Task The_Parquet_file_has_a_row_per_record_with_every_field_the_cost_and_the_chosen_index()
    {
        using var stream = new MemoryStream();
        Assert.Equal(3, await ParquetTrainingWriter.WriteAsync(stream, Records));
        stream.Position = 0;

        var rows = (await ParquetSerializer.DeserializeAsync<ParquetTrainingWriter.Row>(stream)).Data.ToList();

        Assert.Equal(Records.Select(r => r.DecisionId), rows.Select(r => r.DecisionId));
        Assert.Equal([1, 0, 2], rows.Select(r => r.ChosenIndex));
        Assert.Equal([-3.0, -1.0, -0.0], rows.Select(r => r.Cost));
        Assert.Equal(["EXPLICIT", "DERIVED", "DEFAULT"], rows.Select(r => r.RewardSource));
        Assert.All(rows, row =>
        {
            Assert.Equal(T0.UtcDateTime, row.DecisionTimestamp);
            Assert.Equal(["item-1", "item-2", "item-3"], row.Actions);
            Assert.Equal([0.8, 0.1, 0.1], row.Probabilities);
            Assert.Equal(0.25, row.Context["affinity"]);
            Assert.Equal("bandit-eg-v3", row.ModelId);
        });
    }
}
