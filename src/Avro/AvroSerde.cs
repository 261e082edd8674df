using System.Collections.Concurrent;
using Avro;
using Avro.Generic;
using Avro.IO;
using Confluent.Kafka;
using Streams.Avro.SchemaRegistry;
using Streams.Engine.Serialization;

namespace Streams.Avro;

/// <summary>
/// Avro serde for a record type that encodes itself (<see cref="IAvroRecord{TSelf}"/>), in the Confluent wire format so
/// Confluent's own deserializers read what it writes and vice versa. Writing and reading the type's own schema go
/// straight through the type's generated-style codec into a reused buffer; a record written with another (older or
/// newer) schema is resolved to the type's schema by Avro's rules first. Null is a tombstone both ways.
/// </summary>
public sealed class AvroSerde<T> : ISerde<T> where T : class, IAvroRecord<T>
{
    [ThreadStatic]
    private static AvroWriter? t_writer;

    private readonly WriterSchemas _writers;
    private readonly SchemaIds _ids;

    /// <summary>Creates the serde over <paramref name="registry"/>.</summary>
    public AvroSerde(ISchemaRegistry registry, AvroSerdeOptions? options = null)
    {
        _ids = new SchemaIds(registry, options ?? new AvroSerdeOptions(), T.Schema);
        _writers = new WriterSchemas(registry, T.Schema, typeof(T).Name);
    }

    /// <summary>The schema records are written with.</summary>
    public static RecordSchema Schema => T.Schema;

    /// <summary>Fetches (or registers) the schema ids for <paramref name="topics"/> now, so the first record does not wait on the registry.</summary>
    public Task PrepareAsync(IEnumerable<string> topics, bool isKey = false, CancellationToken cancellationToken = default) =>
        _ids.PrepareAsync(topics, isKey, cancellationToken);

    public byte[] Serialize(T data, SerializationContext context)
    {
        if (data is null)
        {
            return null!;
        }

        var id = _ids.For(context.Topic, context.Component == MessageComponentType.Key);
        var writer = t_writer ??= new AvroWriter();
        writer.Reset();
        writer.WriteRawByte(AvroWireFormat.MagicByte);
        writer.WriteInt32BigEndian(id);
        data.WriteTo(writer);
        return writer.ToArray();
    }

    public T Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull)
        {
            return null!;
        }

        var id = AvroWireFormat.ReadHeader(data, out var body);
        var plan = _writers.For(id);
        if (plan.Resolver is null)
        {
            var reader = new AvroReader(body);
            var record = T.ReadFrom(ref reader);
            reader.EnsureConsumed();
            return record;
        }

        var resolved = plan.ResolveToReaderSchema(body, id);
        var resolvedReader = new AvroReader(resolved);
        return T.ReadFrom(ref resolvedReader);
    }
}

/// <summary>Schema ids for one record type per topic, fetched once per topic and kept.</summary>
internal sealed class SchemaIds(ISchemaRegistry registry, AvroSerdeOptions options, RecordSchema schema)
{
    private readonly string _schemaText = schema.ToString();
    private readonly ConcurrentDictionary<string, int> _valueIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _keyIds = new(StringComparer.Ordinal);

    public int For(string topic, bool isKey)
    {
        var ids = isKey ? _keyIds : _valueIds;
        return ids.TryGetValue(topic, out var id) ? id : ids.GetOrAdd(topic, Fetch(registry, options, topic, isKey, schema.Fullname, _schemaText));
    }

    public async Task PrepareAsync(IEnumerable<string> topics, bool isKey, CancellationToken cancellationToken)
    {
        foreach (var topic in topics)
        {
            var subject = Subjects.For(options.SubjectNameStrategy, topic, isKey, schema.Fullname);
            var id = await Request(registry, options, subject, _schemaText, cancellationToken);
            (isKey ? _keyIds : _valueIds)[topic] = id;
        }
    }

    /// <summary>Blocks on the registry: this runs once per topic, on the first record, unless prepared ahead.</summary>
    public static int Fetch(ISchemaRegistry registry, AvroSerdeOptions options, string topic, bool isKey, string recordName, string schemaText)
    {
        var subject = Subjects.For(options.SubjectNameStrategy, topic, isKey, recordName);
        try
        {
            return Request(registry, options, subject, schemaText, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (SchemaRegistryException e)
        {
            // Without an id nothing can be written to this topic; the record is not at fault, so this stops the thread.
            throw new SerdeUnavailableException($"Cannot get the schema id of {recordName} under subject '{subject}': {e.Message}", e);
        }
    }

    private static Task<int> Request(ISchemaRegistry registry, AvroSerdeOptions options, string subject, string schemaText, CancellationToken cancellationToken) =>
        options.AutoRegisterSchemas
            ? registry.RegisterAsync(subject, schemaText, cancellationToken)
            : registry.GetIdAsync(subject, schemaText, cancellationToken);
}

/// <summary>How records written with each schema id are read into one reader schema, decided once per id.</summary>
internal sealed class WriterSchemas(ISchemaRegistry registry, RecordSchema readerSchema, string typeName)
{
    private static readonly TimeSpan UnknownIdRetryAfter = TimeSpan.FromSeconds(30);

    private readonly long _readerFingerprint = SchemaNormalization.ParsingFingerprint64(readerSchema);
    private readonly ConcurrentDictionary<int, WriterPlan> _plans = new();

    public WriterPlan For(int id)
    {
        if (!_plans.TryGetValue(id, out var plan) || (plan.Error is not null && plan.RetryAfter <= DateTime.UtcNow))
        {
            plan = Plan(id);
            _plans[id] = plan;
        }

        // A fresh exception per record: one instance thrown on several threads would mix up its stack traces.
        return plan.Error is not { } error ? plan : throw new AvroDeserializationException(error.Reason, error.Message, error.InnerException);
    }

    private WriterPlan Plan(int id)
    {
        Schema writer;
        try
        {
            writer = Fetch(registry, id);
        }
        catch (AvroDeserializationException e) when (e.Reason == AvroErrorReason.UnknownSchemaId)
        {
            // Remembered for a while, so a flood of records with a bogus id does not become a flood of registry requests.
            return new WriterPlan(null, null, e, DateTime.UtcNow + UnknownIdRetryAfter);
        }
        catch (AvroDeserializationException e)
        {
            return new WriterPlan(null, null, e, DateTime.MaxValue);
        }

        if (SchemaNormalization.ParsingFingerprint64(writer) == _readerFingerprint)
        {
            return WriterPlan.Direct;
        }

        var problems = AvroCompatibility.ReadProblems(readerSchema, writer);
        if (problems.Count > 0)
        {
            var error = new AvroDeserializationException(AvroErrorReason.IncompatibleSchema,
                $"Schema id {id} ({(writer as NamedSchema)?.Fullname ?? writer.Tag.ToString()}) cannot be read as {typeName}: {string.Join("; ", problems)}");
            return new WriterPlan(null, null, error, DateTime.MaxValue);
        }

        return new WriterPlan(new GenericDatumReader<GenericRecord>(writer, readerSchema), new GenericDatumWriter<GenericRecord>(readerSchema), null, default);
    }

    /// <summary>The schema with id <paramref name="id"/>: not found is the record's fault; any other failure is not.</summary>
    public static Schema Fetch(ISchemaRegistry registry, int id)
    {
        string text;
        try
        {
            text = registry.GetSchemaAsync(id).GetAwaiter().GetResult();
        }
        catch (SchemaRegistryException e) when (e.IsNotFound)
        {
            throw new AvroDeserializationException(AvroErrorReason.UnknownSchemaId, $"Schema id {id} is not known to the schema registry.", e);
        }
        catch (SchemaRegistryException e)
        {
            throw new SerdeUnavailableException($"Cannot fetch schema id {id} from the schema registry: {e.Message}", e);
        }

        try
        {
            return Schema.Parse(text);
        }
        catch (SchemaParseException e)
        {
            throw new AvroDeserializationException(AvroErrorReason.IncompatibleSchema, $"Schema id {id} is not an Avro schema: {e.Message}", e);
        }
    }

    /// <summary>Decodes with Apache.Avro, turning its exceptions into the serde's, and insists that every byte was used.</summary>
    public static GenericRecord Decode(DatumReader<GenericRecord> reader, ReadOnlySpan<byte> body, int id)
    {
        using var stream = new MemoryStream(body.ToArray(), writable: false);
        GenericRecord record;
        try
        {
            record = reader.Read(null!, new BinaryDecoder(stream));
        }
        catch (EndOfStreamException e)
        {
            throw new AvroDeserializationException(AvroErrorReason.Truncated, $"The data ends before the record written with schema id {id} does.", e);
        }
        catch (Exception e) when (e is AvroException or InvalidDataException or IndexOutOfRangeException or ArgumentException or OverflowException or InvalidCastException)
        {
            throw new AvroDeserializationException(AvroErrorReason.Malformed, $"Malformed Avro for schema id {id}: {e.Message}", e);
        }

        if (stream.Position != stream.Length)
        {
            throw new AvroDeserializationException(AvroErrorReason.Malformed,
                $"{stream.Length - stream.Position} bytes are left after the record written with schema id {id} ended.");
        }

        return record;
    }
}

/// <summary>How to read one writer schema: directly (it is the reader's), by resolution, or not at all.</summary>
internal sealed record WriterPlan(
    DatumReader<GenericRecord>? Resolver,
    DatumWriter<GenericRecord>? ReaderSchemaWriter,
    AvroDeserializationException? Error,
    DateTime RetryAfter)
{
    public static readonly WriterPlan Direct = new(null, null, null, default);

    /// <summary>Reads the body with the writer's schema resolved to the reader's, and re-encodes it in the reader's schema.</summary>
    public byte[] ResolveToReaderSchema(ReadOnlySpan<byte> body, int id)
    {
        var record = WriterSchemas.Decode(Resolver!, body, id);
        using var stream = new MemoryStream();
        ReaderSchemaWriter!.Write(record, new BinaryEncoder(stream));
        return stream.ToArray();
    }
}
