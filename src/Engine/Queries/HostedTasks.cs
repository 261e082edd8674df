using System.Collections.Concurrent;
using Streams.Engine.Processor;

namespace Streams.Engine.Queries;

/// <summary>
/// The tasks this instance hosts, across its stream threads and its standby replicas, for interactive queries and for
/// the instance directory's announcements. Stream threads add an active task when it is assigned, close its gate
/// (waiting for readers) before its stores close, and remove it once they are closed; the standby updater does the
/// same for standbys. Query threads look tasks up concurrently.
/// </summary>
internal sealed class HostedTasks
{
    private readonly ConcurrentDictionary<TaskId, QueryableTask> _active = new();
    private readonly ConcurrentDictionary<TaskId, long> _activeSince = new();
    private readonly ConcurrentDictionary<TaskId, QueryableTask> _standby = new();
    private int _version;

    /// <summary>Changes whenever a task is added, removed or starts running; the directory announces on a change.</summary>
    public int Version => Volatile.Read(ref _version);

    /// <summary>
    /// Set by the standby updater: closes this instance's standby of a task (checkpointing it) so that an active task
    /// can open the same stores. Stream threads call it before restoring a newly assigned task.
    /// </summary>
    public Action<TaskId>? StandbyReleaser { get; set; }

    public void AddActive(QueryableTask task, long sinceMs)
    {
        _active[task.Id] = task;
        _activeSince[task.Id] = sinceMs;
        Interlocked.Increment(ref _version);
    }

    public void MarkRunning(TaskId id)
    {
        if (_active.TryGetValue(id, out var task))
        {
            task.Running = true;
            Interlocked.Increment(ref _version);
        }
    }

    /// <summary>Refuses new queries of an active task and waits for those reading it; its stores may close next.</summary>
    public void CloseActiveGate(TaskId id)
    {
        if (_active.TryGetValue(id, out var task))
        {
            task.CloseGate();
        }
    }

    /// <summary>Forgets an active task whose stores are closed: only now may a standby open them.</summary>
    public void RemoveActive(TaskId id)
    {
        if (_active.TryRemove(id, out var task))
        {
            task.CloseGate();
            _activeSince.TryRemove(id, out _);
            Interlocked.Increment(ref _version);
        }
    }

    public bool IsActive(TaskId id) => _active.ContainsKey(id);

    public bool TryGetActive(TaskId id, out QueryableTask task) => _active.TryGetValue(id, out task!);

    public void AddStandby(QueryableTask task)
    {
        _standby[task.Id] = task;
        Interlocked.Increment(ref _version);
    }

    /// <summary>Forgets a standby, once no query reads it; its stores may close next.</summary>
    public void RemoveStandby(TaskId id)
    {
        if (_standby.TryRemove(id, out var task))
        {
            task.CloseGate();
            Interlocked.Increment(ref _version);
        }
    }

    public bool TryGetStandby(TaskId id, out QueryableTask task) => _standby.TryGetValue(id, out task!);

    /// <summary>Each active task with when it was assigned here and whether it runs.</summary>
    public IReadOnlyList<(TaskId Id, long SinceMs, bool Running)> ActiveSnapshot() =>
        _active.Values.Select(task => (task.Id, _activeSince.GetValueOrDefault(task.Id), task.Running)).OrderBy(t => t.Id).ToList();

    /// <summary>Each standby with the changelog records it trails by (null until first measured).</summary>
    public IReadOnlyList<(TaskId Id, long? LagRecords)> StandbySnapshot() =>
        _standby.Values.Select(task => (task.Id, task.LagRecords)).OrderBy(t => t.Id).ToList();
}
