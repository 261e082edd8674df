using System.CommandLine;
using Confluent.Kafka;
using Personalization.Worker.Hosting;
using Streams.Engine.Runtime;

namespace Personalization.Worker.Commands;

/// <summary>
/// <c>topics</c>: creates the worker's topics that are missing on a cluster (partitions from configuration, the
/// catalog, attribute and feature topics compacted) and verifies the ones that exist; exits 1 if an existing topic differs.
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
            // The worker's own configuration (environment, SECRETS_DIR): the same topic names, partitions and client security.
            if (WorkerConfiguration.LoadFor("topics") is not { } settings)
            {
                return 2;
            }

            var servers = parse.GetValue(bootstrap) ?? settings.Kafka.BootstrapServers;
            if (string.IsNullOrWhiteSpace(servers))
            {
                Console.Error.WriteLine("topics: give --bootstrap-servers or set Kafka__BootstrapServers.");
                return 2;
            }

            var wanted = settings.Topics.All()
                .Select(t => (t.Name, Partitions: parse.GetValue(partitions) ?? settings.Partitions, t.Compacted))
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
        var missing = verifyOnly ? [] : wanted.Where(t => !existing.ContainsKey(t.Name)).ToList();
        if (missing.Count > 0)
        {
            foreach (var (name, count, compacted) in missing)
            {
                Console.WriteLine($"create   {name} ({count} partitions{(compacted ? ", compacted" : "")})");
            }

            // Returns once the cluster shows every created topic with its partitions.
            await admin.CreateTopicsAsync(
                missing.Select(t => new TopicSpec(t.Name, t.Partitions, replication, t.Compacted ? new Dictionary<string, string> { ["cleanup.policy"] = "compact" } : null)),
                cancellationToken);
        }

        // What is reported is what the cluster has now, created topics included.
        return await VerifyAsync(admin, wanted, cancellationToken) == 0 ? 0 : 1;
    }

    /// <summary>Prints each topic's state as the cluster reports it; returns the number that differ from the configuration.</summary>
    private static async Task<int> VerifyAsync(KafkaTopicAdmin admin, List<(string Name, int Partitions, bool Compacted)> topics, CancellationToken cancellationToken)
    {
        var counts = await admin.PartitionCountsAsync(topics.Select(t => t.Name), cancellationToken);
        IReadOnlyDictionary<string, string> policies;
        try
        {
            policies = await admin.CleanupPoliciesAsync(topics.Where(t => counts.ContainsKey(t.Name)).Select(t => t.Name), cancellationToken);
        }
        catch (KafkaException e)
        {
            Console.WriteLine($"warning  could not read topic configs ({e.Error.Reason}); cleanup policies not verified");
            policies = new Dictionary<string, string>();
        }

        var problems = 0;
        foreach (var (name, wanted, compacted) in topics)
        {
            if (!counts.TryGetValue(name, out var actual))
            {
                Console.WriteLine($"MISSING  {name}");
                problems++;
                continue;
            }

            var policy = policies.GetValueOrDefault(name);
            var policyDiffers = policy is not null && policy.Contains("compact", StringComparison.Ordinal) != compacted;
            var shown = $"{actual} partitions{(policy is null ? "" : $", cleanup.policy={policy}")}";
            if (actual != wanted || policyDiffers)
            {
                Console.WriteLine($"DIFFERS  {name}: {shown}; configured {wanted} partitions, cleanup.policy={(compacted ? "compact" : "delete")}");
                problems++;
            }
            else
            {
                Console.WriteLine($"ok       {name} ({shown})");
            }
        }

        return problems;
    }
}
