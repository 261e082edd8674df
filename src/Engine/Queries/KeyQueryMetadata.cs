using Streams.Engine.Processor;

namespace Streams.Engine.Queries;

/// <summary>Where a key lives: its task, the live instance running that task, and the live instances with standbys of it.</summary>
/// <param name="Task">The key's task (sub-topology of the store, partition of the key).</param>
/// <param name="Active">The instance running the task; null while no live instance claims it (a rebalance or a failover).</param>
/// <param name="Standbys">Live instances keeping a standby replica of the task.</param>
public sealed record KeyQueryMetadata(TaskId Task, InstanceMetadata? Active, IReadOnlyList<InstanceMetadata> Standbys);
