using Streams.Engine.Processor;

namespace Streams.Engine.Queries;

/// <summary>An instance as the directory knows it: its public metadata and, per active task, since when it holds it.</summary>
internal sealed record KnownInstance(InstanceMetadata Metadata, IReadOnlyDictionary<TaskId, long> ActiveSince, IReadOnlyDictionary<TaskId, long?> StandbyLag);
