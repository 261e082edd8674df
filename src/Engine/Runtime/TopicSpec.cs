namespace Streams.Engine.Runtime;

/// <summary>A topic to create: name, partitions, replication factor and topic-level configuration.</summary>
public sealed record TopicSpec(string Name, int Partitions, short ReplicationFactor = -1, IReadOnlyDictionary<string, string>? Config = null);
