using Streams.Avro.SchemaRegistry;

namespace Streams.Avro;

/// <summary>How Avro serdes find schema ids.</summary>
public sealed class AvroSerdeOptions
{
    /// <summary>Register the type's schema under the subject on first use (true, Confluent's default) or only look it up.</summary>
    public bool AutoRegisterSchemas { get; set; } = true;

    /// <summary>How subjects are named; <see cref="SchemaRegistry.SubjectNameStrategy.Topic"/> by default.</summary>
    public SubjectNameStrategy SubjectNameStrategy { get; set; } = SubjectNameStrategy.Topic;
}
