using System.Buffers.Binary;
using System.Collections.Concurrent;
using Avro;
using Avro.Generic;
using Avro.IO;
using Confluent.Kafka;
using Streams.Avro.SchemaRegistry;
using Streams.Engine.Serialization;

namespace Streams.Avro;

/// <summary>
/// Avro serde for <see cref="GenericRecord"/>s of any schema, for tools that handle records whose type they do not know
/// (inspecting a dead-letter topic, exporting). Reads with the writer's schema unless a reader schema is given.
/// </summary>
public sealed class GenericAvroSerde : ISerde<GenericRecord>
{
    private readonly ISchemaRegistry _registry;
    private readonly AvroSerdeOptions _options;
    private readonly RecordSchema? _readerSchema;
    private readonly ConcurrentDictionary<(string Topic, bool IsKey, string Schema), int> _ids = new();
    private readonly ConcurrentDictionary<int, DatumReader<GenericRecord>> _readers = new();
    private readonly ConcurrentDictionary<string, DatumWriter<GenericRecord>> _writers = new();

    /// <summary>Creates the serde; with <paramref name="readerSchema"/>, records are resolved to it.</summary>
    public GenericAvroSerde(ISchemaRegistry registry, RecordSchema? readerSchema = null, AvroSerdeOptions? options = null)
    {
        _registry = registry;
        _readerSchema = readerSchema;
        _options = options ?? new AvroSerdeOptions();
    }

    public byte[] Serialize(GenericRecord data, SerializationContext context)
    {
        if (data is null)
        {
            return null!;
        }

        var isKey = context.Component == MessageComponentType.Key;
        var text = data.Schema.ToString();
        var id = _ids.GetOrAdd((context.Topic, isKey, text), key =>
            SchemaIds.Fetch(_registry, _options, key.Topic, key.IsKey, data.Schema.Fullname, key.Schema));
        var writer = _writers.GetOrAdd(text, _ => new GenericDatumWriter<GenericRecord>(data.Schema));
        using var stream = new MemoryStream();
        stream.WriteByte(AvroWireFormat.MagicByte);
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, id);
        stream.Write(header);
        writer.Write(data, new BinaryEncoder(stream));
        return stream.ToArray();
    }

    public GenericRecord Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull)
        {
            return null!;
        }

        var id = AvroWireFormat.ReadHeader(data, out var body);
        if (!_readers.TryGetValue(id, out var reader))
        {
            var writerSchema = WriterSchemas.Fetch(_registry, id);
            if (_readerSchema is not null)
            {
                var problems = AvroCompatibility.ReadProblems(_readerSchema, writerSchema);
                if (problems.Count > 0)
                {
                    throw new AvroDeserializationException(AvroErrorReason.IncompatibleSchema,
                        $"Schema id {id} cannot be read as {_readerSchema.Fullname}: {string.Join("; ", problems)}");
                }
            }

            reader = _readers.GetOrAdd(id, new GenericDatumReader<GenericRecord>(writerSchema, _readerSchema ?? writerSchema));
        }

        return WriterSchemas.Decode(reader, body, id);
    }
}
