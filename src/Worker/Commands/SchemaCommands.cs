using System.CommandLine;
using Personalization.Topology;
using Personalization.Topology.Records;
using Streams.Avro.SchemaRegistry;

namespace Personalization.Worker.Commands;

/// <summary>
/// <c>schemas check</c> and <c>schemas record</c>: keep schemas/*.avsc and the catalog of released versions
/// (schemas/registry.json) in step, and refuse breaking changes.
/// </summary>
internal static class SchemaCommands
{
    public static Command Create()
    {
        var directory = new Option<DirectoryInfo>("--dir")
        {
            Description = "The schemas directory (with the .avsc files and registry.json).",
            DefaultValueFactory = _ => new DirectoryInfo("schemas"),
        };
        var registryUrl = new Option<string?>("--registry")
        {
            Description = "Also check each topic's subject against this Schema Registry (default: $SCHEMA_REGISTRY_URL, if set).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SCHEMA_REGISTRY_URL"),
        };
        var registryAuth = new Option<string?>("--registry-auth")
        {
            Description = "Basic authentication for the registry as user:password (default: $SCHEMA_REGISTRY_AUTH).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SCHEMA_REGISTRY_AUTH"),
        };

        var check = new Command("check", "Fail if a schema changed incompatibly (BACKWARD, against every released version), or changed without being recorded.")
        {
            directory,
            registryUrl,
            registryAuth,
        };
        check.SetAction((parse, cancellationToken) =>
            CheckAsync(parse.GetValue(directory)!, parse.GetValue(registryUrl), parse.GetValue(registryAuth), cancellationToken));

        var record = new Command("record", "Record every new or compatibly changed schema in registry.json as its next version, with a new stable id.")
        {
            directory,
        };
        record.SetAction(parse => Record(parse.GetValue(directory)!));

        return new Command("schemas", "Check and record Avro schema versions.") { check, record };
    }

    private static async Task<int> CheckAsync(DirectoryInfo directory, string? registryUrl, string? registryAuth, CancellationToken cancellationToken)
    {
        var (catalog, files) = Load(directory);
        var result = catalog.Check(files);
        foreach (var problem in result.Breaking)
        {
            Console.Error.WriteLine($"breaking: {problem}");
        }

        foreach (var change in result.Unreleased)
        {
            Console.Error.WriteLine($"not recorded: {change} (run `schemas record`)");
        }

        var failed = !result.UpToDate;
        if (!string.IsNullOrWhiteSpace(registryUrl))
        {
            using var registry = new ConfluentSchemaRegistry(new SchemaRegistryOptions { Url = registryUrl, BasicAuthUserInfo = registryAuth });
            foreach (var (subject, answer) in await RegistryCompatibility.CheckAsync(registry, new TopicOptions(), cancellationToken))
            {
                Console.WriteLine($"{subject}: {(answer.IsCompatible ? "compatible" : "INCOMPATIBLE")} {string.Join("; ", answer.Messages)}");
                failed |= !answer.IsCompatible;
            }
        }

        Console.WriteLine(failed ? "schemas: check failed" : $"schemas: {files.Count} schemas match their latest recorded versions");
        return failed ? 1 : 0;
    }

    private static int Record(DirectoryInfo directory)
    {
        var (catalog, files) = Load(directory);
        SchemaCatalog updated;
        try
        {
            updated = catalog.Record(files);
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }

        foreach (var entry in updated.Entries.Except(catalog.Entries))
        {
            Console.WriteLine($"recorded {entry.Name} version {entry.Version} as id {entry.Id}");
        }

        File.WriteAllText(Path.Combine(directory.FullName, "registry.json"), updated.ToJson());
        return 0;
    }

    private static (SchemaCatalog Catalog, IReadOnlyList<SchemaFile> Files) Load(DirectoryInfo directory)
    {
        var catalogPath = Path.Combine(directory.FullName, "registry.json");
        var catalog = File.Exists(catalogPath) ? SchemaCatalog.Load(catalogPath) : new SchemaCatalog([]);
        return (catalog, SchemaFile.ReadDirectory(directory.FullName));
    }
}
