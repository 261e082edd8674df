using Avro;

namespace Streams.Avro.SchemaRegistry;

/// <summary>
/// A schema registry without a server: ids and schemas come from a <see cref="SchemaCatalog"/>, so every process built
/// from the same catalog writes and reads the same ids. Registering a schema that is not in the catalog fails (an id
/// invented here would be unknown to every other process); subjects and their versions live in memory.
/// </summary>
public sealed class LocalSchemaRegistry(SchemaCatalog catalog) : ISchemaRegistry
{
    private readonly Dictionary<string, List<CatalogEntry>> _subjects = [];

    /// <summary>The catalog served.</summary>
    public SchemaCatalog Catalog { get; } = catalog;

    public Task<int> RegisterAsync(string subject, string schema, CancellationToken cancellationToken = default)
    {
        var entry = FindInCatalog(subject, schema);
        lock (_subjects)
        {
            if (!_subjects.TryGetValue(subject, out var versions))
            {
                _subjects[subject] = versions = [];
            }

            if (!versions.Contains(entry))
            {
                var problems = AvroCompatibility.BackwardProblems(entry.Parsed, versions.Select(v => ($"id {v.Id}", v.Parsed)));
                if (problems.Count > 0)
                {
                    throw new SchemaRegistryException(
                        $"Schema {entry.Name} (id {entry.Id}) is incompatible with subject '{subject}': {string.Join("; ", problems)}", subject, 409, 409);
                }

                versions.Add(entry);
            }
        }

        return Task.FromResult(entry.Id);
    }

    public Task<int> GetIdAsync(string subject, string schema, CancellationToken cancellationToken = default) =>
        Task.FromResult(FindInCatalog(subject, schema).Id);

    public Task<string> GetSchemaAsync(int id, CancellationToken cancellationToken = default) =>
        Catalog.Find(id) is { } entry
            ? Task.FromResult(entry.Schema)
            : Task.FromException<string>(new SchemaRegistryException($"Schema id {id} is not in the local schema catalog.", null, 404, 40403));

    public Task<RegisteredSchema> GetLatestAsync(string subject, CancellationToken cancellationToken = default)
    {
        lock (_subjects)
        {
            if (_subjects.TryGetValue(subject, out var versions) && versions.Count > 0)
            {
                var latest = versions[^1];
                return Task.FromResult(new RegisteredSchema(subject, versions.Count, latest.Id, latest.Schema));
            }
        }

        return Task.FromException<RegisteredSchema>(new SchemaRegistryException($"Subject '{subject}' has no versions in the local schema registry.", subject, 404, 40401));
    }

    public Task<CompatibilityResult> CheckCompatibilityAsync(string subject, string schema, CancellationToken cancellationToken = default)
    {
        var parsed = Parse(subject, schema);
        lock (_subjects)
        {
            var versions = _subjects.GetValueOrDefault(subject) ?? [];
            var problems = AvroCompatibility.BackwardProblems(parsed, versions.Select(v => ($"id {v.Id}", v.Parsed)));
            return Task.FromResult(new CompatibilityResult(problems.Count == 0, problems));
        }
    }

    private CatalogEntry FindInCatalog(string subject, string schema)
    {
        var parsed = Parse(subject, schema);
        return Catalog.Find(parsed) ?? throw new SchemaRegistryException(
            $"Schema {(parsed as NamedSchema)?.Fullname ?? parsed.Tag.ToString()} for subject '{subject}' is not in the local schema catalog, "
            + "so no other process would know its id; record it in the catalog first.",
            subject, 404, 40403);
    }

    private static Schema Parse(string subject, string schema)
    {
        try
        {
            return Schema.Parse(schema);
        }
        catch (SchemaParseException e)
        {
            throw new SchemaRegistryException($"The schema for subject '{subject}' is not valid Avro: {e.Message}", subject, 422, 42201, e);
        }
    }
}
