namespace Streams.Avro.SchemaRegistry;

/// <summary>A schema as registered: its subject, version within the subject, global id and text.</summary>
public sealed record RegisteredSchema(string Subject, int Version, int Id, string Schema);
