namespace Streams.Avro.SchemaRegistry;

/// <summary>What <see cref="SchemaCatalog.Check"/> found: breaking changes (never allowed) and unreleased ones (allowed, not yet recorded).</summary>
public sealed record CatalogCheck(IReadOnlyList<string> Breaking, IReadOnlyList<string> Unreleased)
{
    /// <summary>Every schema file is its latest released version.</summary>
    public bool UpToDate => Breaking.Count == 0 && Unreleased.Count == 0;
}
