using System.Globalization;
using System.Text.Json;
using Personalization.Topology.Records;

namespace Personalization.Training.Export;

/// <summary>
/// Training records as Vowpal Wabbit's decision-service JSON (DSJSON, one object per line), the format
/// <c>vw --dsjson --cb_explore_adf</c> and VW's off-policy estimators read: the label (cost = −reward, the probability of
/// the chosen action, its 1-based index among the actions and the 0-based <c>_labelIndex</c>), <c>Timestamp</c>,
/// <c>Version</c> "1", <c>EventId</c>, <c>a</c> (1-based action indices, the chosen action first and the others in the
/// logged ranking), <c>p</c> (their probabilities, aligned with <c>a</c>), <c>c</c> (the context as the <c>Context</c>
/// namespace, and <c>_multi</c> with one example per action, its id in the <c>Action</c> namespace) and <c>VWState.m</c>
/// (the logged policy). Fields VW ignores (an underscore prefix) carry what it has no place for: the user, the reward
/// and where it came from, and the number of observations joined.
/// </summary>
public static class DsJsonWriter
{
    /// <summary>Writes <paramref name="record"/> as one DSJSON object.</summary>
    public static void Write(Utf8JsonWriter json, TrainingRecord record)
    {
        var chosen = record.ChosenIndex() is >= 0 and var index
            ? index
            : throw new InvalidDataException($"The chosen action '{record.ChosenAction}' is not among the decision's actions.");
        json.WriteStartObject();
        json.WriteNumber("_label_cost", -record.Reward);
        json.WriteNumber("_label_probability", record.Probability);
        json.WriteNumber("_label_Action", chosen + 1);
        json.WriteNumber("_labelIndex", chosen);
        json.WriteString("Timestamp", record.DecisionTimestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));
        json.WriteString("Version", "1");
        json.WriteString("EventId", record.DecisionId);

        json.WriteStartArray("a");
        json.WriteNumberValue(chosen + 1);
        for (var i = 0; i < record.Actions.Count; i++)
        {
            if (i != chosen)
            {
                json.WriteNumberValue(i + 1);
            }
        }

        json.WriteEndArray();
        json.WriteStartObject("c");
        json.WriteStartObject("Context");
        foreach (var (feature, value) in record.Context.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            json.WriteNumber(feature, value);
        }

        json.WriteEndObject();
        json.WriteStartArray("_multi");
        foreach (var action in record.Actions)
        {
            json.WriteStartObject();
            json.WriteStartObject("Action");
            json.WriteString("id", action);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();

        json.WriteStartArray("p");
        json.WriteNumberValue(record.Probabilities[chosen]);
        for (var i = 0; i < record.Probabilities.Count; i++)
        {
            if (i != chosen)
            {
                json.WriteNumberValue(record.Probabilities[i]);
            }
        }

        json.WriteEndArray();
        json.WriteStartObject("VWState");
        json.WriteString("m", record.ModelId);
        json.WriteEndObject();
        json.WriteString("_user_id", record.UserId);
        json.WriteNumber("_reward", record.Reward);
        json.WriteString("_reward_source", Symbols.Of(record.RewardSource));
        json.WriteNumber("_observations", record.Observations);
        json.WriteEndObject();
    }

    /// <summary>Writes <paramref name="records"/> one per line; returns how many.</summary>
    public static long WriteLines(Stream output, IEnumerable<TrainingRecord> records)
    {
        var count = 0L;
        using var json = new Utf8JsonWriter(output);
        foreach (var record in records)
        {
            Write(json, record);
            json.Flush();
            json.Reset();
            output.WriteByte((byte)'\n');
            count++;
        }

        return count;
    }
}
