using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.State;

namespace Streams.Engine.Tasks;

/// <summary>
/// The state one task shares among its nodes: the record being processed, stream time, punctuation schedules, the
/// record collector and the stores. It is also the changelog writer of the task's logged stores.
/// </summary>
internal sealed class TaskContext : IChangelogWriter
{
    private readonly TimeProvider _time;
    private readonly Dictionary<string, IManagedStateStore> _stores;
    private readonly Dictionary<string, string> _changelogTopics;
    private readonly List<PunctuationSchedule> _streamTimeSchedules = [];
    private readonly List<PunctuationSchedule> _wallClockSchedules = [];
    private readonly Counter _punctuations;

    public TaskContext(
        string applicationId,
        TaskId taskId,
        IRecordCollector collector,
        TimeProvider time,
        StreamsMetrics metrics,
        Dictionary<string, IManagedStateStore> stores)
    {
        ApplicationId = applicationId;
        TaskId = taskId;
        Collector = collector;
        Metrics = metrics;
        _time = time;
        _stores = stores;
        _changelogTopics = stores.Keys.ToDictionary(name => name, name => StateStoreContext.ChangelogTopicName(applicationId, name));
        _punctuations = metrics.Counter(TaskMetrics.Punctuations, taskId.ToString());
    }

    public string ApplicationId { get; }

    public TaskId TaskId { get; }

    public IRecordCollector Collector { get; }

    public StreamsMetrics Metrics { get; }

    /// <summary>The source record being processed, null during punctuation.</summary>
    public RecordMetadata? CurrentRecord { get; set; }

    /// <summary>The timestamp given to changelog records: the current record's, or the punctuation time.</summary>
    public long CurrentTimestamp { get; set; }

    /// <summary>The largest record timestamp this task has seen; -1 before the first.</summary>
    public long StreamTime { get; private set; } = -1;

    public long WallClockMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    public bool CommitRequested { get; set; }

    public IManagedStateStore Store(string name) =>
        _stores.TryGetValue(name, out var store) ? store : throw new InvalidOperationException($"Task {TaskId} has no state store '{name}'.");

    public void ObserveTimestamp(long timestamp)
    {
        CurrentTimestamp = timestamp;
        if (timestamp > StreamTime)
        {
            StreamTime = timestamp;
        }
    }

    public IDisposable Schedule(string node, TimeSpan interval, PunctuationType type, Action<long> punctuator)
    {
        var intervalMs = (long)interval.TotalMilliseconds;
        if (intervalMs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), $"Processor '{node}': a punctuation interval must be at least 1 ms.");
        }

        var schedule = new PunctuationSchedule(node, intervalMs, punctuator);
        if (type == PunctuationType.StreamTime)
        {
            if (StreamTime >= 0)
            {
                schedule.Anchor(StreamTime);
            }

            _streamTimeSchedules.Add(schedule);
        }
        else
        {
            schedule.Anchor(WallClockMs);
            _wallClockSchedules.Add(schedule);
        }

        return schedule;
    }

    /// <summary>Runs the stream-time punctuators that are due; returns how many ran.</summary>
    public int PunctuateStreamTime()
    {
        if (StreamTime < 0)
        {
            return 0;
        }

        return Punctuate(_streamTimeSchedules, StreamTime);
    }

    /// <summary>Runs the wall-clock punctuators that are due; returns how many ran.</summary>
    public int PunctuateWallClock() => Punctuate(_wallClockSchedules, WallClockMs);

    public void Append(string storeName, byte[] key, byte[]? value, long timestamp) =>
        Collector.Send(_changelogTopics[storeName], key, value, headers: null, timestamp, TaskId.Partition);

    private int Punctuate(List<PunctuationSchedule> schedules, long now)
    {
        schedules.RemoveAll(static schedule => schedule.Cancelled);
        var ran = 0;

        // A punctuator may schedule another: only the ones present now run in this round.
        var count = schedules.Count;
        for (var i = 0; i < count; i++)
        {
            var schedule = schedules[i];
            schedule.Anchor(now);
            var previousRecord = CurrentRecord;
            var previousTimestamp = CurrentTimestamp;
            CurrentRecord = null;
            CurrentTimestamp = now;
            try
            {
                if (schedule.RunIfDue(now))
                {
                    ran++;
                    _punctuations.Increment();
                }
            }
            catch (Exception e) when (e is not ProcessorException)
            {
                throw new ProcessorException(schedule.Node, e);
            }
            finally
            {
                CurrentRecord = previousRecord;
                CurrentTimestamp = previousTimestamp;
            }
        }

        return ran;
    }
}
