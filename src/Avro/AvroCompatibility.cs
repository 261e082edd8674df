using Avro;

namespace Streams.Avro;

/// <summary>
/// Avro schema resolution as a check: can data written with one schema be read with another? This is the rule
/// behind BACKWARD compatibility (the new schema reads the old data) and behind the serde's decision to resolve a
/// writer's schema. The answer lists every problem with its path, e.g. <c>ClickEvent.price: reader field has no
/// default and the writer does not have it</c>.
/// </summary>
public static class AvroCompatibility
{
    /// <summary>The reasons data written with <paramref name="writer"/> cannot be read with <paramref name="reader"/>; empty if it can.</summary>
    public static IReadOnlyList<string> ReadProblems(Schema reader, Schema writer)
    {
        var problems = new List<string>();
        Check(reader, writer, reader is NamedSchema named ? named.Name : reader.Tag.ToString(), problems, []);
        return problems;
    }

    /// <summary>
    /// The reasons <paramref name="candidate"/> is not BACKWARD compatible with every schema in <paramref name="previous"/>
    /// (transitively: it must read data written with any of them).
    /// </summary>
    public static IReadOnlyList<string> BackwardProblems(Schema candidate, IEnumerable<(string Label, Schema Schema)> previous)
    {
        var problems = new List<string>();
        foreach (var (label, schema) in previous)
        {
            foreach (var problem in ReadProblems(candidate, schema))
            {
                problems.Add($"cannot read data written with {label}: {problem}");
            }
        }

        return problems;
    }

    private static void Check(Schema reader, Schema writer, string path, List<string> problems, HashSet<(Schema, Schema)> visiting)
    {
        reader = Unwrap(reader);
        writer = Unwrap(writer);

        if (writer is UnionSchema writerUnion)
        {
            // Every branch the writer may have used must be readable.
            for (var i = 0; i < writerUnion.Count; i++)
            {
                Check(reader, writerUnion[i], $"{path}[writer branch {Describe(writerUnion[i])}]", problems, visiting);
            }

            return;
        }

        if (reader is UnionSchema readerUnion)
        {
            for (var i = 0; i < readerUnion.Count; i++)
            {
                if (ReadProblems(readerUnion[i], writer).Count == 0)
                {
                    return;
                }
            }

            problems.Add($"{path}: no branch of the reader's union reads the writer's {Describe(writer)}");
            return;
        }

        if (!visiting.Add((reader, writer)))
        {
            return;
        }

        try
        {
            switch (reader)
            {
                case RecordSchema readerRecord when writer is RecordSchema writerRecord:
                    CheckRecord(readerRecord, writerRecord, path, problems, visiting);
                    break;
                case EnumSchema readerEnum when writer is EnumSchema writerEnum:
                    CheckNames(readerEnum, writerEnum, path, problems);
                    if (readerEnum.Default is null)
                    {
                        foreach (var symbol in writerEnum.Symbols)
                        {
                            if (!readerEnum.Contains(symbol))
                            {
                                problems.Add($"{path}: the writer's enum symbol {symbol} is not in the reader's enum, which has no default");
                            }
                        }
                    }

                    break;
                case FixedSchema readerFixed when writer is FixedSchema writerFixed:
                    CheckNames(readerFixed, writerFixed, path, problems);
                    if (readerFixed.Size != writerFixed.Size)
                    {
                        problems.Add($"{path}: fixed size {writerFixed.Size} cannot be read as size {readerFixed.Size}");
                    }

                    break;
                case ArraySchema readerArray when writer is ArraySchema writerArray:
                    Check(readerArray.ItemSchema, writerArray.ItemSchema, path + "[]", problems, visiting);
                    break;
                case MapSchema readerMap when writer is MapSchema writerMap:
                    Check(readerMap.ValueSchema, writerMap.ValueSchema, path + "{}", problems, visiting);
                    break;
                case PrimitiveSchema readerPrimitive when writer is PrimitiveSchema writerPrimitive:
                    if (!Promotes(writerPrimitive.Tag, readerPrimitive.Tag))
                    {
                        problems.Add($"{path}: the writer's {Describe(writer)} cannot be read as {Describe(reader)}");
                    }

                    break;
                default:
                    problems.Add($"{path}: the writer's {Describe(writer)} cannot be read as {Describe(reader)}");
                    break;
            }
        }
        finally
        {
            visiting.Remove((reader, writer));
        }
    }

    private static void CheckRecord(RecordSchema reader, RecordSchema writer, string path, List<string> problems, HashSet<(Schema, Schema)> visiting)
    {
        if (!CheckNames(reader, writer, path, problems))
        {
            return;
        }

        foreach (var field in reader.Fields)
        {
            var writerField = FindWriterField(writer, field);
            if (writerField is null)
            {
                if (field.DefaultValue is null)
                {
                    problems.Add($"{path}.{field.Name}: the reader's field has no default and the writer does not have it");
                }

                continue;
            }

            Check(field.Schema, writerField.Schema, $"{path}.{field.Name}", problems, visiting);
        }
    }

    private static Field? FindWriterField(RecordSchema writer, Field readerField)
    {
        if (writer.TryGetField(readerField.Name, out var field))
        {
            return field;
        }

        foreach (var alias in readerField.Aliases ?? [])
        {
            if (writer.TryGetField(alias, out field))
            {
                return field;
            }
        }

        return null;
    }

    private static bool CheckNames(NamedSchema reader, NamedSchema writer, string path, List<string> problems)
    {
        // Apache.Avro does not expose a named type's aliases, so renaming a record, enum or fixed type is not supported
        // (field aliases are).
        if (reader.Name != writer.Name && reader.Fullname != writer.Fullname)
        {
            problems.Add($"{path}: the writer's {writer.Fullname} is not the reader's {reader.Fullname}");
            return false;
        }

        return true;
    }

    private static bool Promotes(Schema.Type writer, Schema.Type reader) =>
        writer == reader || (writer, reader) switch
        {
            (Schema.Type.Int, Schema.Type.Long or Schema.Type.Float or Schema.Type.Double) => true,
            (Schema.Type.Long, Schema.Type.Float or Schema.Type.Double) => true,
            (Schema.Type.Float, Schema.Type.Double) => true,
            (Schema.Type.String, Schema.Type.Bytes) or (Schema.Type.Bytes, Schema.Type.String) => true,
            _ => false,
        };

    /// <summary>Logical types are annotations: resolution goes by the underlying type.</summary>
    private static Schema Unwrap(Schema schema) => schema is LogicalSchema logical ? logical.BaseSchema : schema;

    private static string Describe(Schema schema) => Unwrap(schema) switch
    {
        NamedSchema named => $"{named.Tag.ToString().ToLowerInvariant()} {named.Fullname}",
        var other => other.Tag.ToString().ToLowerInvariant(),
    };
}
