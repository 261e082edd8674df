using Streams.Engine.Processor;

namespace Streams.Engine.Queries;

/// <summary>An instance of the application as the instance directory last heard of it.</summary>
/// <param name="ProcessId">The instance's id (its group.instance.id under static membership).</param>
/// <param name="Endpoint">The endpoint it advertises (application.server); null when it advertises none.</param>
/// <param name="ActiveTasks">The tasks it runs, restored or restoring.</param>
/// <param name="StandbyTasks">The tasks it keeps standby replicas of.</param>
/// <param name="LastSeen">When it last announced itself.</param>
/// <param name="IsLocal">True for this instance.</param>
public sealed record InstanceMetadata(
    string ProcessId,
    string? Endpoint,
    IReadOnlyList<TaskId> ActiveTasks,
    IReadOnlyList<TaskId> StandbyTasks,
    DateTimeOffset LastSeen,
    bool IsLocal);
