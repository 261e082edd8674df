using Streams.Engine.Processor;

namespace Streams.Engine.Runtime;

/// <summary>A standby replica this instance keeps: the task, and the changelog records it trails by (null until measured).</summary>
public sealed record StandbyTaskInfo(TaskId Id, long? LagRecords);
