namespace Streams.Avro.SchemaRegistry;

/// <summary>The answer to a compatibility check, with the reasons when it is not compatible.</summary>
public sealed record CompatibilityResult(bool IsCompatible, IReadOnlyList<string> Messages);
