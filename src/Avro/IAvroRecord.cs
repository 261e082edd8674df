using Avro;

namespace Streams.Avro;

/// <summary>
/// A record type that encodes and decodes itself in Avro binary, field by field in schema order, with no reflection
/// and no boxing. <see cref="AvroSerde{T}"/> uses it directly when the writer's schema is the type's own, and resolves
/// other writer schemas through Apache.Avro first.
/// </summary>
/// <typeparam name="TSelf">The implementing type.</typeparam>
public interface IAvroRecord<TSelf> where TSelf : class, IAvroRecord<TSelf>
{
    /// <summary>The type's schema, as written in its .avsc file.</summary>
    static abstract RecordSchema Schema { get; }

    /// <summary>Writes the fields in schema order.</summary>
    void WriteTo(AvroWriter writer);

    /// <summary>Reads the fields in schema order.</summary>
    static abstract TSelf ReadFrom(ref AvroReader reader);
}
