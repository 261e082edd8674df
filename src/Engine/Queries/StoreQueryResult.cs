using Streams.Engine.Processor;

namespace Streams.Engine.Queries;

/// <summary>The outcome of a query of this instance's stores for one key, with how fresh the answer is.</summary>
/// <param name="Status">Whether the query ran, and if not, why.</param>
/// <param name="Value">The query's result when <see cref="QueryStatus.Answered"/>.</param>
/// <param name="Task">The task that holds the key.</param>
/// <param name="IsStandby">True when a standby replica answered: its stores trail the active task's by <paramref name="LagRecords"/>.</param>
/// <param name="StreamTime">
/// The task's stream time (the largest record timestamp it has processed, epoch ms), or for a standby the timestamp of the
/// last changelog record it applied; -1 when unknown.
/// </param>
/// <param name="LagRecords">
/// Records the stores trail by: for an active task the input records not yet processed (refreshed about once a
/// second), for a standby the changelog records not yet applied; null when unknown.
/// </param>
public sealed record StoreQueryResult<T>(QueryStatus Status, T? Value, TaskId Task, bool IsStandby, long StreamTime, long? LagRecords);
