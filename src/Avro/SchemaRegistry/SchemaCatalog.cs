using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Avro;

namespace Streams.Avro.SchemaRegistry;

/// <summary>
/// Every released version of every schema with its id: the committed history that a <see cref="LocalSchemaRegistry"/>
/// serves without a server, and the baseline the compatibility check holds new schemas to. A change to a schema is
/// released by <see cref="Record"/>, which appends a version only when the new schema can read everything written
/// with the earlier ones (BACKWARD_TRANSITIVE), so ids never change and old records stay readable.
/// </summary>
public sealed class SchemaCatalog
{
    private readonly List<CatalogEntry> _entries;

    /// <summary>Creates a catalog from its entries.</summary>
    public SchemaCatalog(IEnumerable<CatalogEntry> entries)
    {
        _entries = entries.OrderBy(e => e.Id).ToList();
        var duplicateId = _entries.GroupBy(e => e.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicateId is not null)
        {
            throw new InvalidDataException($"Schema id {duplicateId.Key} is used by more than one catalog entry.");
        }

        foreach (var entry in _entries)
        {
            var parsedName = entry.Parsed is NamedSchema named ? named.Fullname : entry.Parsed.Tag.ToString();
            if (parsedName != entry.Name)
            {
                throw new InvalidDataException($"Catalog entry {entry.Id} is named '{entry.Name}' but its schema defines '{parsedName}'.");
            }
        }
    }

    /// <summary>All versions, by id.</summary>
    public IReadOnlyList<CatalogEntry> Entries => _entries;

    /// <summary>Reads a catalog written by <see cref="ToJson"/>.</summary>
    public static SchemaCatalog Parse(string json)
    {
        var root = JsonNode.Parse(json)?["schemas"] as JsonArray
            ?? throw new InvalidDataException("A schema catalog is a JSON object with a 'schemas' array.");
        return new SchemaCatalog(root.Select(node => new CatalogEntry(
            node!["id"]!.GetValue<int>(),
            node["name"]!.GetValue<string>(),
            node["version"]!.GetValue<int>(),
            node["schema"]!.ToJsonString())));
    }

    /// <summary>Reads the catalog file at <paramref name="path"/>.</summary>
    public static SchemaCatalog Load(string path) => Parse(File.ReadAllText(path));

    /// <summary>The catalog as indented JSON, with each schema as a JSON object so changes read well in a diff.</summary>
    public string ToJson()
    {
        var schemas = new JsonArray();
        foreach (var entry in _entries)
        {
            schemas.Add(new JsonObject
            {
                ["id"] = entry.Id,
                ["name"] = entry.Name,
                ["version"] = entry.Version,
                ["schema"] = JsonNode.Parse(entry.Schema),
            });
        }

        return new JsonObject { ["schemas"] = schemas }.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    /// <summary>The versions of the record named <paramref name="fullName"/>, oldest first.</summary>
    public IReadOnlyList<CatalogEntry> Versions(string fullName) => _entries.Where(e => e.Name == fullName).OrderBy(e => e.Version).ToList();

    /// <summary>The entry whose schema is <paramref name="schema"/> (same JSON once parsed, docs and defaults included), if any.</summary>
    public CatalogEntry? Find(Schema schema)
    {
        var text = schema.ToString();
        return _entries.FirstOrDefault(e => e.Parsed.ToString() == text);
    }

    /// <summary>The entry with id <paramref name="id"/>, if any.</summary>
    public CatalogEntry? Find(int id) => _entries.FirstOrDefault(e => e.Id == id);

    /// <summary>
    /// Compares current schemas (the .avsc files) with the catalog: a schema that is already its latest version is fine;
    /// a changed or new one is reported as unreleased, and a changed one that cannot read every earlier version as breaking.
    /// </summary>
    public CatalogCheck Check(IEnumerable<SchemaFile> current)
    {
        var breaking = new List<string>();
        var unreleased = new List<string>();
        foreach (var file in current)
        {
            var versions = Versions(file.Name);
            if (versions.Count > 0 && versions[^1].Parsed.ToString() == file.Schema.ToString())
            {
                continue;
            }

            var problems = AvroCompatibility.BackwardProblems(file.Schema, versions.Select(v => ($"{v.Name} version {v.Version} (id {v.Id})", v.Parsed)));
            if (problems.Count > 0)
            {
                breaking.AddRange(problems.Select(p => $"{file.Path}: {p}"));
            }
            else
            {
                unreleased.Add(versions.Count == 0 ? $"{file.Path}: {file.Name} is new" : $"{file.Path}: {file.Name} differs from version {versions[^1].Version}");
            }
        }

        return new CatalogCheck(breaking, unreleased);
    }

    /// <summary>
    /// A catalog with every changed or new schema in <paramref name="current"/> appended as its next version, under the
    /// next free id. Fails, naming the problems, if any change is breaking.
    /// </summary>
    public SchemaCatalog Record(IReadOnlyCollection<SchemaFile> current)
    {
        var check = Check(current);
        if (check.Breaking.Count > 0)
        {
            throw new InvalidOperationException("Breaking schema changes cannot be recorded:\n  " + string.Join("\n  ", check.Breaking));
        }

        var entries = new List<CatalogEntry>(_entries);
        var nextId = entries.Count == 0 ? 1 : entries.Max(e => e.Id) + 1;
        foreach (var file in current)
        {
            var versions = Versions(file.Name);
            if (versions.Count > 0 && versions[^1].Parsed.ToString() == file.Schema.ToString())
            {
                continue;
            }

            entries.Add(new CatalogEntry(nextId++, file.Name, versions.Count == 0 ? 1 : versions[^1].Version + 1, file.Text));
        }

        return new SchemaCatalog(entries);
    }
}
