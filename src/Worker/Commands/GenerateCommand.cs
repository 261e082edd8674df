using System.CommandLine;
using Personalization.Simulation;
using Personalization.Topology.Records;
using Personalization.Worker.Hosting;
using Personalization.Worker.Publishing;

namespace Personalization.Worker.Commands;

/// <summary><c>generate</c>: the synthetic clickstream, to any Kafka cluster at a rate, or to a CSV file.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var bootstrap = new Option<string?>("--bootstrap-servers", "-b") { Description = "Produce to this Kafka cluster (host:port[,...]); default: Kafka__BootstrapServers." };
        var file = new Option<FileInfo?>("--file", "-f") { Description = "Write the clickstream events (with fraud labels) to this CSV file instead." };
        var count = new Option<long>("--count", "-n") { Description = "Stop after this many records.", DefaultValueFactory = _ => 1_000_000 };
        var rate = new Option<double>("--rate") { Description = "Records per second when producing; 0 for as fast as possible.", DefaultValueFactory = _ => 1_000 };
        var duration = new Option<TimeSpan?>("--duration") { Description = "Stop producing after this long (e.g. 00:10:00)." };
        var users = new Option<int>("--users") { Description = "Distinct users.", DefaultValueFactory = _ => 100_000 };
        var seed = new Option<int>("--seed") { Description = "The same seed gives the same stream.", DefaultValueFactory = _ => 42 };
        var sessions = new Option<double>("--sessions-per-second")
        {
            Description = "Sessions starting per second of event time (sets how much event time the records span).",
            DefaultValueFactory = _ => 20,
        };
        var start = new Option<DateTimeOffset?>("--start") { Description = "Event time of the first session (default: now when producing, 2026-01-01 for files)." };
        var registry = new Option<string?>("--schema-registry") { Description = "Schema Registry URL (default: Kafka__SchemaRegistryUrl, else the local registry from schemas/)." };

        var command = new Command("generate", "Generate a synthetic clickstream (events, bandit decisions, rewards) to Kafka or a file.")
        {
            bootstrap, file, count, rate, duration, users, seed, sessions, start, registry,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            // Topic names, client security and the registry come from the worker's configuration (environment, SECRETS_DIR).
            if (WorkerConfiguration.LoadFor("generate") is not { } settings)
            {
                return 2;
            }

            var servers = parse.GetValue(bootstrap) ?? (settings.Kafka.IsEmbedded || parse.GetValue(file) is not null ? null : settings.Kafka.BootstrapServers);
            if (servers is null == parse.GetValue(file) is null)
            {
                Console.Error.WriteLine("generate: give either --bootstrap-servers (or Kafka__BootstrapServers) or --file.");
                return 2;
            }

            var options = new GeneratorOptions { Users = parse.GetValue(users), Seed = parse.GetValue(seed), SessionsPerSecond = parse.GetValue(sessions) };
            var limit = parse.GetValue(count);
            if (parse.GetValue(file) is { } path)
            {
                options.Start = parse.GetValue(start) ?? options.Start;
                await using var writer = new StreamWriter(path.FullName);
                var written = ClickstreamCsv.Write(new ClickstreamGenerator(options).Take((int)Math.Min(int.MaxValue, limit)), writer);
                Console.WriteLine($"generate: wrote {written:N0} events to {path.FullName}");
                return 0;
            }

            options.Start = parse.GetValue(start) ?? DateTimeOffset.UtcNow;
            if (parse.GetValue(registry) is { } registryUrl)
            {
                settings.SchemaRegistry.Url = registryUrl;
            }

            using var serdes = RecordSerdes.Create(settings.SchemaRegistry, settings.AutoRegisterSchemas);
            var publisher = new ClickstreamPublisher(servers!, serdes, settings.Topics, settings.Kafka.Client);
            var sent = await publisher.PublishAsync(new ClickstreamGenerator(options), parse.GetValue(rate), limit, parse.GetValue(duration), cancellationToken);
            Console.WriteLine($"generate: produced {sent:N0} records to {servers}");
            return 0;
        });
        return command;
    }
}
