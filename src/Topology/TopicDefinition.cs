using Avro;

namespace Personalization.Topology;

/// <summary>
/// One of the worker's topics as declared once in <see cref="TopicCatalog"/>: the <see cref="TopicOptions"/> property
/// (and so the <c>Topics__&lt;Option&gt;</c> key) that renames it, its default name, direction, key, value schema (null
/// when the value is not an Avro record of the worker's) and whether it is compacted.
/// </summary>
public sealed record TopicDefinition(
    string Option,
    string DefaultName,
    TopicDirection Direction,
    string Key,
    RecordSchema? ValueSchema,
    bool Compacted,
    Func<TopicOptions, string> NameIn)
{
    /// <summary>The value as the documentation names it: the record type, or what else it holds.</summary>
    public string ValueDescription => ValueSchema?.Name ?? (Direction == TopicDirection.Input ? "anything" : "original bytes");
}
