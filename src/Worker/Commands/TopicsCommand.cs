using System.CommandLine;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Configuration;
using Personalization.Worker.Hosting;
using Streams.Engine.Runtime;

namespace Personalization.Worker.Commands;

/// <summary>
/// <c>topics</c>: creates the worker's topics that are missing on a cluster (partitions from configuration, the
/// attribute and feature topics compacted) and verifies the ones that exist; exits 1 if an existing topic differs.
/// </summary>
internal static class TopicsCommand
{
    public static Command Create()
    {
        var bootstrap = new Option<string>("--bootstrap-servers", "-b") { Description = "The cluster (default: Kafka__BootstrapServers).", };
        var partitions = new Option<int?>("--partitions") { Description = "Partitions per topic (default: Topics__Partitions, 4)." };
        var replication = new Option<short>("--replication-factor") { Description = "Replication factor of created topics; -1 for the broker default.", DefaultValueFactory = _ => -1 };
        var verifyOnly = new Option<bool>("--verify-only") { Description = "Create nothing; only report what is missing or different." };
        var command = new Command("topics", "Create or verify the worker's topics (partition counts, compaction) on a real cluster.")
        {
            bootstrap, partitions, replication, verifyOnly,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var configuration = new ConfigurationBuilder()
                .SetBasePath(AppContext.BaseDirectory)
                .AddJsonFile("appsettings.json", optional: true)
                .AddEnvironmentVariables()
                .Build();
            WorkerSettings settings;
            try
            {
                settings = WorkerSettings.Load(configuration, AppContext.BaseDirectory);
            }
            catch (WorkerConfigurationException e)
            {
                Console.Error.WriteLine($"topics: {e.Message}");
                return 2;
            }

            var servers = parse.GetValue(bootstrap) ?? settings.Kafka.BootstrapServers;
            if (string.IsNullOrWhiteSpace(servers))
            {
                Console.Error.WriteLine("topics: give --bootstrap-servers or set Kafka__BootstrapServers.");
                return 2;
            }

            var wanted = TopicCatalog.All(settings)
                .Select(t => (t.Name, Partitions: parse.GetValue(partitions) ?? t.Partitions, t.Compacted))
                .ToList();
            return await ApplyAsync(servers, settings.Kafka.Client, wanted, parse.GetValue(replication), parse.GetValue(verifyOnly), cancellationToken);
        });
        return command;
    }

    private static async Task<int> ApplyAsync(
        string servers, Dictionary<string, string> client, List<(string Name, int Partitions, bool Compacted)> wanted, short replication, bool verifyOnly, CancellationToken cancellationToken)
    {
        var clientConfig = client.Append(new KeyValuePair<string, string>("bootstrap.servers", servers)).ToList();
        using var admin = new KafkaTopicAdmin(clientConfig);
        var existing = await admin.PartitionCountsAsync(wanted.Select(t => t.Name), cancellationToken);
        var problems = 0;
        foreach (var (name, count, _) in wanted.Where(t => existing.ContainsKey(t.Name)))
        {
            var actual = existing[name];
            Console.WriteLine(actual == count ? $"ok       {name} ({actual} partitions)" : $"DIFFERS  {name}: {actual} partitions, configured {count}");
            problems += actual == count ? 0 : 1;
        }

        problems += await VerifyCompactionAsync(clientConfig, wanted.Where(t => t.Compacted && existing.ContainsKey(t.Name)).Select(t => t.Name).ToList());
        var missing = wanted.Where(t => !existing.ContainsKey(t.Name)).ToList();
        foreach (var (name, count, compacted) in missing)
        {
            Console.WriteLine($"{(verifyOnly ? "MISSING " : "create  ")} {name} ({count} partitions{(compacted ? ", compacted" : "")})");
        }

        if (verifyOnly)
        {
            return problems + missing.Count == 0 ? 0 : 1;
        }

        await admin.CreateTopicsAsync(
            missing.Select(t => new TopicSpec(t.Name, t.Partitions, replication, t.Compacted ? new Dictionary<string, string> { ["cleanup.policy"] = "compact" } : null)),
            cancellationToken);
        return problems == 0 ? 0 : 1;
    }

    private static async Task<int> VerifyCompactionAsync(List<KeyValuePair<string, string>> clientConfig, List<string> topics)
    {
        if (topics.Count == 0)
        {
            return 0;
        }

        using var admin = new AdminClientBuilder(clientConfig).Build();
        try
        {
            var results = await admin.DescribeConfigsAsync(topics.Select(t => new ConfigResource { Type = ResourceType.Topic, Name = t }));
            var problems = 0;
            foreach (var result in results)
            {
                var policy = result.Entries.TryGetValue("cleanup.policy", out var entry) ? entry.Value : "delete";
                if (!policy.Contains("compact", StringComparison.Ordinal))
                {
                    Console.WriteLine($"DIFFERS  {result.ConfigResource.Name}: cleanup.policy={policy}, should be compact");
                    problems++;
                }
            }

            return problems;
        }
        catch (KafkaException e)
        {
            Console.WriteLine($"warning  could not read topic configs ({e.Error.Reason}); compaction not verified");
            return 0;
        }
    }
}
