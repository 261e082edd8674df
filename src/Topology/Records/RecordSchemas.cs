using Avro;
using Streams.Avro.SchemaRegistry;

namespace Personalization.Topology.Records;

/// <summary>
/// The schemas in schemas/, embedded in this assembly: each record type's schema, and the catalog of released versions
/// that the local schema registry serves.
/// </summary>
public static class RecordSchemas
{
    private static readonly Lazy<SchemaCatalog> LazyCatalog = new(() => SchemaCatalog.Parse(ReadResource("schemas/registry.json")));

    /// <summary>Every released version of every schema, with its stable id (schemas/registry.json).</summary>
    public static SchemaCatalog Catalog => LazyCatalog.Value;

    /// <summary>The current schemas, one per .avsc file.</summary>
    public static IReadOnlyList<SchemaFile> Current { get; } = typeof(RecordSchemas).Assembly.GetManifestResourceNames()
        .Where(name => name.EndsWith(".avsc", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .Select(name => new SchemaFile(name, ReadResource(name), Schema.Parse(ReadResource(name))))
        .ToList();

    /// <summary>A schema registry without a server, serving <see cref="Catalog"/>.</summary>
    public static LocalSchemaRegistry LocalRegistry() => new(Catalog);

    internal static RecordSchema Load(string recordName) =>
        (RecordSchema)Schema.Parse(ReadResource($"schemas/{recordName}.avsc"));

    private static string ReadResource(string name)
    {
        using var stream = typeof(RecordSchemas).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The resource '{name}' is missing from {typeof(RecordSchemas).Assembly.GetName().Name}; is it in schemas/?");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
