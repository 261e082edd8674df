using Avro;

namespace Streams.Avro.SchemaRegistry;

/// <summary>One released version of a schema in a <see cref="SchemaCatalog"/>.</summary>
/// <param name="Id">The schema id written into every record, stable across processes and releases.</param>
/// <param name="Name">The record's full name.</param>
/// <param name="Version">1 for the first release of the name, then 2, 3, ...</param>
/// <param name="Schema">The schema's JSON text.</param>
public sealed record CatalogEntry(int Id, string Name, int Version, string Schema)
{
    private Schema? _parsed;

    /// <summary>The parsed schema.</summary>
    public Schema Parsed => _parsed ??= global::Avro.Schema.Parse(Schema);
}
