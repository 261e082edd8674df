using System.Globalization;
using System.Text.Json;
using Streams.TestSupport;
using Xunit.Abstractions;

namespace Personalization.Worker.Tests;

[CollectionDefinition(Name)]
public sealed class KafkaCollection : ICollectionFixture<KafkaClusterFixture>
{
    public const string Name = "Kafka";
}

/// <summary>
/// The worker and its <c>topics</c> command against a configured cluster (KAFKA_BOOTSTRAP_SERVERS, Kafka in Docker, or
/// the embedded cluster standing in for one), as a platform team meets them: topics created as configured and verified,
/// a task per input partition, and SIGTERM that commits, closes and exits 0.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class WorkerOnClusterTests(KafkaClusterFixture kafka, ITestOutputHelper output) : EndToEndTest(kafka)
{
    private const int Partitions = 3;

    private Dictionary<string, string> Environment(int port = 8080)
    {
        var environment = new Dictionary<string, string>
        {
            ["Kafka__BootstrapServers"] = Kafka.BootstrapServers,
            ["Streams__ApplicationId"] = Name("worker"),
            ["Streams__StateDir"] = StateDir("worker"),
            ["Topics__Partitions"] = Partitions.ToString(CultureInfo.InvariantCulture),
            ["Http__Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Kafka__Client__session.timeout.ms"] = "6000",
        };
        foreach (var (key, topic) in WorkerTopics.Keys)
        {
            environment[$"Topics__{key}"] = Name(topic);
        }

        return environment;
    }

    [Fact]
    public async Task Topics_verify_only_reports_every_missing_topic_exits_1_and_creates_nothing()
    {
        var (exit, text, _) = await WorkerProcess.RunAsync(output, Environment(), "topics", "--verify-only");

        Assert.Equal(1, exit);
        Assert.All(WorkerTopics.Keys, topic => Assert.Contains($"MISSING  {Name(topic.Topic)}", text, StringComparison.Ordinal));
        var cluster = Kafka.ClusterTopics();
        Assert.All(WorkerTopics.Keys, topic => Assert.DoesNotContain(Name(topic.Topic), cluster));
    }

    [Fact]
    public async Task Topics_and_generate_read_the_workers_configuration_from_secret_files_and_topic_names()
    {
        // The cluster address only in a secret file, the topic names only in the environment, as in the topics Job.
        var secrets = StateDir("secrets");
        Directory.CreateDirectory(secrets);
        await File.WriteAllTextAsync(Path.Combine(secrets, "Kafka__BootstrapServers"), Kafka.BootstrapServers);
        var environment = Environment();
        environment.Remove("Kafka__BootstrapServers");
        environment["SECRETS_DIR"] = secrets;
        foreach (var (_, topic) in WorkerTopics.Keys)
        {
            await Kafka.CreateTopicAsync(Name(topic), Partitions);
        }

        var (verified, verifiedText, _) = await WorkerProcess.RunAsync(output, environment, "topics", "--verify-only");
        var (generated, generatedText, _) = await WorkerProcess.RunAsync(output, environment, "generate", "-n", "200", "--rate", "0");

        Assert.Contains($"ok       {Name("events.clickstream")} ({Partitions} partitions", verifiedText, StringComparison.Ordinal);
        Assert.Equal(0, generated);
        Assert.Contains("produced 200 records", generatedText, StringComparison.Ordinal);
        // Most generated records are clicks; the catalog publishes each item before its first view.
        var clicks = Kafka.ReadUntil(Name("events.clickstream"), Confluent.Kafka.Deserializers.Utf8, Confluent.Kafka.Deserializers.ByteArray, r => r.Count >= 100, TimeSpan.FromSeconds(30));
        var items = Kafka.ReadUntil(Name("catalog.items"), Confluent.Kafka.Deserializers.Utf8, Confluent.Kafka.Deserializers.ByteArray, r => r.Count >= 10, TimeSpan.FromSeconds(30));
        Assert.True(clicks.Count >= 100, $"only {clicks.Count} of the generated records reached the configured clickstream topic");
        Assert.True(items.Count >= 10, $"only {items.Count} catalog records reached the configured catalog topic");
        output.WriteLine($"topics --verify-only exited {verified} (compaction cannot be verified on the embedded cluster)");
    }

    [Fact]
    public async Task On_a_configured_cluster_the_worker_runs_a_task_per_input_partition_and_exits_0_on_SIGTERM()
    {
        if (Kafka.Kind == BrokerKind.Embedded)
        {
            // The mock has no CreateTopics, so neither the topics command nor the worker's Admin API can create topics
            // there: the fixture creates them, the changelogs included.
            foreach (var (_, topic) in WorkerTopics.Keys)
            {
                await Kafka.CreateTopicAsync(Name(topic), Partitions);
            }

            foreach (var topic in WorkerTopics.Internal(Name("worker")))
            {
                await Kafka.CreateTopicAsync(topic, Partitions);
            }
        }
        else
        {
            var (created, createdText, _) = await WorkerProcess.RunAsync(output, Environment(), "topics");
            Assert.Equal(0, created);
            Assert.Contains($"create   {Name("users.attributes")} ({Partitions} partitions, compacted)", createdText, StringComparison.Ordinal);
            var (verified, verifiedText, _) = await WorkerProcess.RunAsync(output, Environment(), "topics", "--verify-only");
            Assert.Equal(0, verified);
            Assert.All(WorkerTopics.Keys, topic => Assert.Contains($"ok       {Name(topic.Topic)} ({Partitions} partitions, cleanup.policy=", verifiedText, StringComparison.Ordinal));
            Assert.Contains($"ok       {Name("features.user")} ({Partitions} partitions, cleanup.policy=compact)", verifiedText, StringComparison.Ordinal);
            Assert.Contains($"ok       {Name("users.attributes")} ({Partitions} partitions, cleanup.policy=compact)", verifiedText, StringComparison.Ordinal);
        }

        var port = Ports.Free();
        using var worker = WorkerProcess.Start(output, Environment(port), "run");
        var ready = await worker.WaitUntilReadyAsync(port, TimeSpan.FromSeconds(90));
        var (exit, logs, errors) = await worker.TerminateAsync(TimeSpan.FromSeconds(45));

        using var health = JsonDocument.Parse(ready);
        Assert.Equal(Partitions * WorkerTopics.Subtopologies, health.RootElement.GetProperty("details").GetProperty("tasks").GetInt32());
        Assert.Equal(0, exit);
        Assert.Contains("Stream runtime committed and closed", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("failed", errors, StringComparison.OrdinalIgnoreCase);
    }
}
