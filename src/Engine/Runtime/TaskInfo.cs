using Streams.Engine.Processor;

namespace Streams.Engine.Runtime;

/// <summary>A task of a running instance: its id, whether it is restored and processing, and its input partitions.</summary>
public sealed record TaskInfo(TaskId Id, bool Running, IReadOnlyList<string> Partitions);
