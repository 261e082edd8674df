using System.Text.Json;
using Confluent.Kafka;
using Parquet.Serialization;
using Personalization.Topology.Records;
using Personalization.Training.Export;
using Streams.TestSupport;
using Xunit.Abstractions;

namespace Personalization.Worker.Tests;

/// <summary>
/// <c>export-training</c> against a cluster, as a data scientist runs it: the training topic from the worker's
/// configuration, a range of decision times, DSJSON or Parquet out.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class ExportTrainingCommandTests(KafkaClusterFixture kafka, ITestOutputHelper output) : EndToEndTest(kafka)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);

    private static TrainingRecord Record(int i) => new()
    {
        DecisionId = $"decision-{i}",
        UserId = $"user-{i % 7}",
        DecisionTimestamp = T0.AddMinutes(i),
        Context = new Dictionary<string, double> { ["hour"] = 10 },
        Actions = ["item-1", "item-2"],
        ChosenAction = i % 2 == 0 ? "item-1" : "item-2",
        Probability = i % 2 == 0 ? 0.9 : 0.1,
        Probabilities = [0.9, 0.1],
        ModelId = "bandit-eg-v1",
        Reward = i % 4,
        RewardSource = (RewardSource)(i % 4),
        Observations = i % 3,
        WindowEnd = T0.AddMinutes(i).AddSeconds(20),
        JoinedAt = T0.AddMinutes(i).AddSeconds(22),
    };

    private async Task<string> ProduceTrainingAsync(int count)
    {
        var topic = Name("bandit.training");
        await Kafka.CreateTopicAsync(topic, 3);
        using var serdes = new RecordSerdes(RecordSchemas.LocalRegistry());
        using var producer = Kafka.Producer(Serializers.Utf8, Serializers.ByteArray);
        var context = new SerializationContext(MessageComponentType.Value, topic);
        for (var i = 0; i < count; i++)
        {
            var record = Record(i);
            producer.Produce(topic, new Message<string, byte[]>
            {
                Key = record.UserId, Value = serdes.TrainingRecord.Serialize(record, context), Timestamp = new Timestamp(record.WindowEnd),
            });
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        return topic;
    }

    private Dictionary<string, string> Environment(string topic) => new()
    {
        ["Kafka__BootstrapServers"] = Kafka.BootstrapServers,
        ["Topics__Training"] = topic,
    };

    [Fact]
    public async Task The_decisions_of_a_time_range_are_exported_as_one_DSJSON_line_each()
    {
        var topic = await ProduceTrainingAsync(60);
        var file = Path.Combine(StateDir("export"), "training.dsjson");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);

        var (exit, text, errors) = await WorkerProcess.RunAsync(
            output, Environment(topic), "export-training", "--format", "dsjson", "-o", file, "--from", T0.AddMinutes(10).ToString("O"), "--to", T0.AddMinutes(40).ToString("O"));

        Assert.True(exit == 0, errors);
        Assert.Contains("exported 30 training records", text, StringComparison.Ordinal);
        var lines = await File.ReadAllLinesAsync(file);
        var exported = lines.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(Enumerable.Range(10, 30).Select(i => $"decision-{i}").Order(), exported.Select(e => e.GetProperty("EventId").GetString()).Order());
        Assert.All(exported, e =>
        {
            var i = int.Parse(e.GetProperty("EventId").GetString()!["decision-".Length..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(-(i % 4), e.GetProperty("_label_cost").GetDouble());
            Assert.Equal(i % 2 == 0 ? 0.9 : 0.1, e.GetProperty("_label_probability").GetDouble());
        });
    }

    [Fact]
    public async Task The_whole_topic_is_exported_as_Parquet()
    {
        var topic = await ProduceTrainingAsync(25);
        var file = Path.Combine(StateDir("export"), "training.parquet");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);

        var (exit, _, errors) = await WorkerProcess.RunAsync(output, Environment(topic), "export-training", "--format", "parquet", "-o", file);

        Assert.True(exit == 0, errors);
        await using var stream = File.OpenRead(file);
        var rows = (await ParquetSerializer.DeserializeAsync<ParquetTrainingWriter.Row>(stream)).Data;
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"decision-{i}").Order(), rows.Select(r => r.DecisionId).Order());
        Assert.All(rows, row => Assert.Equal(["item-1", "item-2"], row.Actions));
    }
}
