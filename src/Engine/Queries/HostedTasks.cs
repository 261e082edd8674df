using System.Collections.Concurrent;
using Streams.Engine.Processor;

namespace Streams.Engine.Queries;

/// <summary>
/// The tasks this instance hosts, across its stream threads, for interactive queries and for the instance directory's
/// announcements. Stream threads add a task when it is assigned and remove it (waiting for readers) before its stores
/// close; query threads look tasks up concurrently.
/// </summary>
internal sealed class HostedTasks
{
    private readonly ConcurrentDictionary<TaskId, QueryableTask> _active = new();
    private readonly ConcurrentDictionary<TaskId, long> _activeSince = new();
    private int _version;

    /// <summary>Changes whenever a task is added, removed or starts running; the directory announces on a change.</summary>
    public int Version => Volatile.Read(ref _version);

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

    /// <summary>Removes a task once no query reads its stores any more.</summary>
    public void RemoveActive(TaskId id)
    {
        if (_active.TryRemove(id, out var task))
        {
            _activeSince.TryRemove(id, out _);
            task.CloseGate();
            Interlocked.Increment(ref _version);
        }
    }

    public bool TryGetActive(TaskId id, out QueryableTask task) => _active.TryGetValue(id, out task!);

    /// <summary>Each active task with when it was assigned here and whether it runs.</summary>
    public IReadOnlyList<(TaskId Id, long SinceMs, bool Running)> ActiveSnapshot() =>
        _active.Values.Select(task => (task.Id, _activeSince.GetValueOrDefault(task.Id), task.Running)).OrderBy(t => t.Id).ToList();
}
