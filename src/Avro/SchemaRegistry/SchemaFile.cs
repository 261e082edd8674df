using Avro;

namespace Streams.Avro.SchemaRegistry;

/// <summary>A schema as it stands in an .avsc file.</summary>
public sealed record SchemaFile(string Path, string Text, Schema Schema)
{
    /// <summary>The record's full name.</summary>
    public string Name => Schema is NamedSchema named ? named.Fullname : Schema.Tag.ToString();

    /// <summary>Reads every <c>*.avsc</c> file in <paramref name="directory"/>, in name order.</summary>
    public static IReadOnlyList<SchemaFile> ReadDirectory(string directory) =>
        Directory.GetFiles(directory, "*.avsc").Order(StringComparer.Ordinal).Select(Read).ToList();

    /// <summary>Reads and parses one .avsc file; a parse error names the file.</summary>
    public static SchemaFile Read(string path)
    {
        var text = File.ReadAllText(path);
        try
        {
            return new SchemaFile(path, text, global::Avro.Schema.Parse(text));
        }
        catch (SchemaParseException e)
        {
            throw new InvalidDataException($"{path} is not a valid Avro schema: {e.Message}", e);
        }
    }
}
