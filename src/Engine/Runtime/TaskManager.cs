using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.Queries;
using Streams.Engine.State;
using Streams.Engine.Tasks;

namespace Streams.Engine.Runtime;

/// <summary>
/// The tasks of one stream thread: which exist, which input partitions each reads, what each has consumed, and their
/// life cycle. On assignment it creates a task per anchor partition and queues the sub-topology's other (co-partitioned)
/// partitions for the consumer; before a task processes, its stores are restored from their changelogs (local state is
/// trusted only up to a checkpoint its changelog can continue from); on revocation or loss it closes tasks, clean
/// (flushed and checkpointed) or dirty. The thread owns the consumer; this class only asks it to change the assignment.
/// </summary>
internal sealed class TaskManager
{
    private readonly StreamsConfig _config;
    private readonly TopicPlan _plan;
    private readonly Func<TaskId, StreamTask> _createTask;
    private readonly ChangelogRestorer _restorer;
    private readonly Func<string, int, long?> _acknowledgedChangelogOffset;
    private readonly StreamsMetrics _metrics;
    private readonly ILogger _logger;
    private readonly string _threadName;
    private readonly HostedTasks _hosted;
    private readonly TimeProvider _time;
    private readonly Dictionary<TaskId, ActiveTask> _tasks = [];
    private readonly Dictionary<TopicPartition, ActiveTask> _taskByPartition = [];
    private readonly Dictionary<TopicPartition, long> _nextOffsets = [];
    private readonly Dictionary<TopicPartition, long> _lastTimestamps = [];
    private readonly List<ActiveTask> _pendingRestore = [];
    private readonly List<TopicPartitionOffset> _pendingAssign = [];
    private readonly List<TopicPartition> _pendingUnassign = [];
    private readonly Dictionary<TaskId, int> _storesRestoring = [];
    private readonly HashSet<TopicPartition> _paused = [];
    private readonly List<TopicPartition> _pendingResume = [];
    private readonly List<ActiveTask> _buffering = [];
    private bool _startedSinceLastCheck;

    /// <param name="acknowledgedChangelogOffset">The last offset the producer had acknowledged on a changelog partition.</param>
    /// <param name="hosted">The instance's tasks as interactive queries see them; this thread's tasks join it while assigned.</param>
    public TaskManager(
        StreamsConfig config,
        TopicPlan plan,
        Func<TaskId, StreamTask> createTask,
        ChangelogRestorer restorer,
        Func<string, int, long?> acknowledgedChangelogOffset,
        StreamsMetrics metrics,
        ILogger logger,
        string threadName,
        HostedTasks? hosted = null,
        TimeProvider? time = null)
    {
        _hosted = hosted ?? new HostedTasks();
        _time = time ?? TimeProvider.System;
        _config = config;
        _plan = plan;
        _createTask = createTask;
        _restorer = restorer;
        _acknowledgedChangelogOffset = acknowledgedChangelogOffset;
        _metrics = metrics;
        _logger = logger;
        _threadName = threadName;
    }

    public int Count => _tasks.Count;

    /// <summary>True while a newly assigned task waits for its stores to be restored.</summary>
    public bool HasPendingRestoration => _pendingRestore.Count > 0 || _storesRestoring.Count > 0;

    /// <summary>
    /// Whether input is left that the consumer has not handed over: records buffered in a task, or records of an input
    /// partition the broker holds beyond what was delivered (<paramref name="fetchedLag"/>; unknown counts as left).
    /// </summary>
    public bool HasInputLeft(Func<TopicPartition, long?> fetchedLag)
    {
        if (_buffering.Count > 0)
        {
            return true;
        }

        foreach (var partition in _taskByPartition.Keys)
        {
            if (fetchedLag(partition) is not 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The tasks, as the host sees them.</summary>
    public IReadOnlyList<TaskInfo> Describe() =>
        _tasks.Values.Select(task => new TaskInfo(task.Task.Id, task.Running, task.Partitions.Select(p => $"{p.Topic}-{p.Partition.Value}").ToList())).ToList();

    /// <summary>Creates a task for each anchor partition; its other partitions and its restoration are queued.</summary>
    public void HandleAssigned(IEnumerable<TopicPartition> anchors)
    {
        foreach (var anchor in anchors)
        {
            foreach (var subtopology in _plan.SubtopologiesOfAnchor[anchor.Topic])
            {
                Create(anchor, subtopology);
            }
        }
    }

    /// <summary>The tasks anchored at any of <paramref name="anchors"/>.</summary>
    public IReadOnlyList<ActiveTask> TasksOf(IEnumerable<TopicPartition> anchors)
    {
        var set = anchors.ToHashSet();
        return _tasks.Values.Where(active => set.Contains(new TopicPartition(_plan.AnchorOf[active.Task.Id.Subtopology], active.Task.Id.Partition))).ToList();
    }

    /// <summary>Every task.</summary>
    public IReadOnlyList<ActiveTask> All() => _tasks.Values.ToList();

    /// <summary>
    /// Closes every task dirty and creates it anew, after an aborted transaction whose outputs, changelog writes and
    /// offsets are gone (as Kafka Streams revives corrupted tasks). Under exactly-once a task keeps no checkpoint while
    /// it runs, so the new tasks rebuild their stores from the committed changelogs before they process. The partitions
    /// stay as they are: those the consumer reads are returned, for the caller to rewind to the group's committed
    /// offsets; those still waiting to join its assignment stay queued and start from the committed offsets anyway.
    /// </summary>
    public IReadOnlyList<TopicPartition> ReviveAll()
    {
        var joining = _pendingAssign.Select(pending => pending.TopicPartition).ToHashSet();
        var read = _tasks.Values.SelectMany(active => active.Partitions).Where(partition => !joining.Contains(partition)).ToList();
        var anchors = _tasks.Values.Select(active => new TopicPartition(_plan.AnchorOf[active.Task.Id.Subtopology], active.Task.Id.Partition)).Distinct().ToList();
        foreach (var active in _tasks.Values.ToList())
        {
            Close(active, clean: false);
        }

        HandleAssigned(anchors);
        _pendingUnassign.RemoveAll(read.Contains);
        _pendingAssign.RemoveAll(pending => read.Contains(pending.TopicPartition));
        return read;
    }

    /// <summary>
    /// Reads the secondary partitions of new tasks and drops those of closed ones (librdkafka forbids changing the
    /// assignment inside rebalance handlers, so the thread calls this after each poll).
    /// </summary>
    public void ApplyAssignmentChanges(IConsumer<byte[], byte[]> consumer)
    {
        if (_pendingUnassign.Count > 0)
        {
            var owned = new HashSet<TopicPartition>(consumer.Assignment);
            var toDrop = _pendingUnassign.Where(owned.Contains).ToList();
            if (toDrop.Count > 0)
            {
                consumer.IncrementalUnassign(toDrop);
            }

            _pendingUnassign.Clear();
        }

        if (_pendingAssign.Count > 0)
        {
            consumer.IncrementalAssign(_pendingAssign);
            _pendingAssign.Clear();
        }

        // Partitions of tasks still restoring are paused only once one of their records arrives (Process), never right
        // after they are assigned: librdkafka starts the fetcher of an assigned partition on its own thread, and a pause
        // that overtakes that start discards it, so the partition never fetches again (seen on a loaded real broker:
        // every partition of a new member stuck at its start with the records consumed counter at zero).
        if (_pendingResume.Count == 0)
        {
            return;
        }

        var assignment = consumer.Assignment;
        var toResume = _pendingResume.Where(assignment.Contains).ToList();
        _pendingResume.Clear();
        if (toResume.Count > 0)
        {
            consumer.Resume(toResume);
        }
    }

    /// <summary>
    /// Opens the stores of newly assigned tasks and starts restoring them, in assignment order, until
    /// <paramref name="budget"/> is spent (at least one task per call); tasks with nothing to restore start at once.
    /// Opening a task's stores takes tens to hundreds of milliseconds, and a pod is assigned a hundred tasks or more at
    /// start-up: opened all in one call, the thread would not poll for many seconds, and a rebalance that moves some of
    /// them to another instance (a second pod starting alongside) would wait until this one had opened them all.
    /// Restoration (<see cref="AdvanceRestoration"/>) waits until every task is open: interleaved with the openings, each of its
    /// slices came after 100 ms of them, and a store of 500,000 records restored at half the rate.
    /// </summary>
    public void BeginRestoration(TimeSpan budget)
    {
        if (_pendingRestore.Count == 0)
        {
            return;
        }

        var started = _time.GetTimestamp();
        _restorer.ReadWatermarks(_pendingRestore.SelectMany(active => LoggedStores(active.Task).Select(store => Changelog(store, active.Task.Id))));
        while (_pendingRestore.Count > 0)
        {
            var task = _pendingRestore[0];
            _pendingRestore.RemoveAt(0);
            BeginRestoration(task);
            if (_time.GetElapsedTime(started) >= budget)
            {
                return;
            }
        }

        _restorer.ForgetWatermarks();
    }

    /// <summary>
    /// Restores up to <paramref name="maxRecords"/> changelog records, once every newly assigned task is open (see
    /// <see cref="BeginRestoration(TimeSpan)"/>), and starts the tasks whose stores are then all restored; returns whether
    /// a task started since the last call.
    /// </summary>
    public bool AdvanceRestoration(int maxRecords, CancellationToken cancellationToken)
    {
        if (_pendingRestore.Count == 0)
        {
            _restorer.Advance(maxRecords, cancellationToken);
        }

        var started = _startedSinceLastCheck;
        _startedSinceLastCheck = false;
        return started;
    }

    /// <summary>
    /// Takes a record from the consumer; false when no running task owns it. A task that reads one partition processes it
    /// at once; one that reads several buffers it for <see cref="ProcessBuffered"/>, which keeps timestamp order across
    /// them (a full partition is paused and rewound to the record's successor). The first record of a task still
    /// restoring is put back: its partition is paused and rewound to it, and resumes once the task runs.
    /// </summary>
    public bool Process(ConsumeResult<byte[], byte[]> record, IConsumer<byte[], byte[]> consumer)
    {
        var partition = record.TopicPartition;
        if (!_taskByPartition.TryGetValue(partition, out var active))
        {
            return false;
        }

        if (!active.Running)
        {
            if (_paused.Add(partition))
            {
                consumer.Pause([partition]);
            }

            consumer.Seek(record.TopicPartitionOffset);
            return false;
        }

        if (active.Group is not { } group)
        {
            ProcessNow(active, record);
            return true;
        }

        // The tasks ProcessBuffered walks are those with records buffered.
        var wasEmpty = group.Buffered == 0;
        if (group.Add(record))
        {
            consumer.Pause([partition]);
            consumer.Seek(new TopicPartitionOffset(partition, record.Offset.Value + 1));
        }

        if (wasEmpty && group.Buffered > 0)
        {
            _buffering.Add(active);
        }

        return true;
    }

    /// <summary>
    /// Processes the buffered records of tasks that read several partitions, in timestamp order, as far as each task may
    /// go without waiting (see <see cref="PartitionGroup"/>); <paramref name="fetchedLag"/> tells how many records of a
    /// partition the broker holds that the consumer has not delivered. Returns whether a task waits for such records, so
    /// that the thread polls again soon.
    /// </summary>
    public bool ProcessBuffered(IConsumer<byte[], byte[]> consumer, Func<TopicPartition, long?> fetchedLag)
    {
        if (_buffering.Count == 0)
        {
            return false;
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var waiting = false;
        for (var i = _buffering.Count - 1; i >= 0; i--)
        {
            var active = _buffering[i];
            var group = active.Group!;
            group.BeginRound();
            while (group.TryNext(now, fetchedLag, out var record, out var resume))
            {
                ProcessNow(active, record);
                if (resume)
                {
                    consumer.Resume([record.TopicPartition]);
                }
            }

            waiting |= group.WaitingForFetch;
            if (group.Buffered == 0)
            {
                _buffering.RemoveAt(i);
            }
        }

        return waiting;
    }

    private void ProcessNow(ActiveTask active, ConsumeResult<byte[], byte[]> record)
    {
        active.Task.Process(record);
        _nextOffsets[record.TopicPartition] = record.Offset.Value + 1;
        _lastTimestamps[record.TopicPartition] = record.Message.Timestamp.UnixTimestampMs;
    }

    /// <summary>Runs due wall-clock punctuators; returns whether any task asked for a commit.</summary>
    public bool PunctuateWallClock()
    {
        var commitRequested = false;
        foreach (var active in _tasks.Values)
        {
            if (active.Running)
            {
                active.Task.PunctuateWallClock();
                commitRequested |= active.Task.CommitRequested;
            }
        }

        return commitRequested;
    }

    /// <summary>The next offset to read of each partition processed, for the commit.</summary>
    public IReadOnlyList<TopicPartitionOffset> ConsumedOffsets() =>
        _nextOffsets.Select(kv => new TopicPartitionOffset(kv.Key, kv.Value)).ToList();

    public void ClearCommitRequests()
    {
        foreach (var active in _tasks.Values)
        {
            active.Task.CommitRequested = false;
        }
    }

    public void FlushRunningStores()
    {
        foreach (var active in _tasks.Values.Where(task => task.Running))
        {
            active.Task.Flush();
        }
    }

    public void WriteRunningCheckpoints()
    {
        foreach (var active in _tasks.Values.Where(task => task.Running))
        {
            WriteCheckpoint(active);
        }
    }

    /// <summary>
    /// Closes a task: clean writes its checkpoint after the stores are flushed; dirty (lost, or a failure) leaves no
    /// checkpoint to trust. Its partitions are queued to leave the consumer's assignment.
    /// </summary>
    public void Close(ActiveTask active, bool clean)
    {
        // Queries reading the stores finish first; closing the stores flushes them, and the checkpoint then describes
        // what is on disk. Only then may a standby of this instance open the same stores.
        _hosted.CloseActiveGate(active.Task.Id);
        active.Task.Dispose();
        if (clean && active.Running)
        {
            WriteCheckpoint(active);
        }

        _hosted.RemoveActive(active.Task.Id);

        _tasks.Remove(active.Task.Id);
        if (_pendingRestore.Remove(active))
        {
            // Revoked before it opened: were it assigned here again after another instance had written to its
            // changelogs, the watermarks read ahead for it would end its restoration short.
            _restorer.ForgetWatermarks();
        }

        if (active.Group is { Buffered: > 0 } group)
        {
            group.Clear();
            _buffering.Remove(active);
        }

        if (_storesRestoring.Remove(active.Task.Id))
        {
            _restorer.Cancel(active.Task.Id);
        }

        _pendingAssign.RemoveAll(pending => active.Partitions.Contains(pending.TopicPartition));
        foreach (var partition in active.Partitions)
        {
            _paused.Remove(partition);
            _pendingResume.Remove(partition);
            _taskByPartition.Remove(partition);
            _nextOffsets.Remove(partition);
            _lastTimestamps.Remove(partition);
            _pendingUnassign.Add(partition);
        }

        _logger.LogInformation("{Thread} closed task {Task} ({Mode})", _threadName, active.Task.Id, clean ? "clean" : "dirty");
    }

    /// <summary>Whether a task of this thread reads <paramref name="partition"/>.</summary>
    public bool Owns(TopicPartition partition) => _taskByPartition.ContainsKey(partition);

    /// <summary>
    /// Each input partition with its task, next offset to process, last record timestamp and whether records of it wait
    /// in the task's buffer, for lag.
    /// </summary>
    public IEnumerable<(TopicPartition Partition, TaskId Task, long? NextOffset, long? LastTimestamp, bool Buffered)> Partitions()
    {
        foreach (var (partition, active) in _taskByPartition)
        {
            yield return (partition, active.Task.Id,
                _nextOffsets.TryGetValue(partition, out var next) ? next : null,
                _lastTimestamps.TryGetValue(partition, out var timestamp) ? timestamp : null,
                active.Group?.HasBuffered(partition) ?? false);
        }
    }

    /// <summary>Task <paramref name="anchor"/>'s partition of <paramref name="subtopology"/>; its partitions other than the anchor are queued to join the assignment.</summary>
    private void Create(TopicPartition anchor, int subtopology)
    {
        var id = new TaskId(subtopology, anchor.Partition.Value);
        var partitions = _plan.SourceTopics[subtopology].Select(topic => new TopicPartition(topic, anchor.Partition)).ToList();
        var task = _createTask(id);
        var group = partitions.Count > 1
            ? new PartitionGroup(partitions, _config.MaxTaskIdleMs, _config.BufferedRecordsPerPartition, _metrics.Counter(RuntimeMetrics.EnforcedProcessing, id.ToString()))
            : null;
        var active = new ActiveTask(task, partitions, group);
        _tasks[id] = active;
        _hosted.AddActive(new QueryableTask(id, task.Stores, () => task.StreamTime, isStandby: false), _time.GetUtcNow().ToUnixTimeMilliseconds());
        foreach (var partition in partitions)
        {
            _taskByPartition[partition] = active;
            if (partition != anchor)
            {
                _pendingAssign.Add(new TopicPartitionOffset(partition, Offset.Unset));
            }
        }

        _pendingRestore.Add(active);
    }

    private void BeginRestoration(ActiveTask active)
    {
        var task = active.Task;

        // A standby of this task on this instance hands its stores over, checkpointed: only the tail is restored.
        _hosted.StandbyReleaser?.Invoke(task.Id);
        var checkpoint = TaskCheckpoint.Read(task.StateDirectory);
        var wiped = false;
        foreach (var store in LoggedStores(task).Where(store => store.IsPersistent))
        {
            var changelog = Changelog(store, task.Id);
            // Local data of a logged store is only trusted up to a checkpoint that its changelog can continue from;
            // otherwise it is rebuilt from scratch.
            string? reason = null;
            if (checkpoint.TryGetValue(store.Name, out var offset) && _restorer.CheckpointMismatch(changelog, offset) is { } mismatch)
            {
                reason = mismatch;
                checkpoint.Remove(store.Name);
                wiped = true;
                _metrics.Counter(RuntimeMetrics.StoresWiped, store.Name, task.Id.ToString()).Increment();
            }

            var directory = StateStoreBase.DirectoryFor(task.StateDirectory, store.Name);
            if (!checkpoint.ContainsKey(store.Name) && Directory.Exists(directory))
            {
                if (reason is not null)
                {
                    _logger.LogWarning(
                        "{Thread} wipes store {Store} of task {Task} and rebuilds it from its changelog: {Reason}", _threadName, store.Name, task.Id, reason);
                }

                Directory.Delete(directory, recursive: true);
            }
        }

        if (wiped)
        {
            // A crash before the next checkpoint must not find the wiped stores' old offsets.
            TaskCheckpoint.Write(task.StateDirectory, checkpoint);
        }

        task.InitializeStores();
        var logged = LoggedStores(task).ToList();
        if (logged.Count == 0)
        {
            Start(active);
            return;
        }

        _storesRestoring[task.Id] = logged.Count;
        foreach (var store in logged)
        {
            var changelog = Changelog(store, task.Id);
            long? start = store.IsPersistent && checkpoint.TryGetValue(store.Name, out var offset) ? offset + 1 : null;
            _restorer.Begin(store, task.Id, changelog, start, restored =>
            {
                if (restored is { } last)
                {
                    active.ChangelogOffsets[store.Name] = last;
                }

                if (_storesRestoring.TryGetValue(task.Id, out var left) && left > 1)
                {
                    _storesRestoring[task.Id] = left - 1;
                }
                else if (_storesRestoring.Remove(task.Id))
                {
                    Start(active);
                }
            });
        }
    }

    /// <summary>A task whose stores are restored: its processors start, and its input resumes.</summary>
    private void Start(ActiveTask active)
    {
        var task = active.Task;
        if (_config.ProcessingGuarantee == ProcessingGuarantee.ExactlyOnceV2)
        {
            // Under exactly-once a checkpoint is only valid after a clean close: a crash must find none and rebuild.
            TaskCheckpoint.Delete(task.StateDirectory);
        }

        task.InitializeProcessors();
        active.Running = true;
        _hosted.MarkRunning(task.Id);
        foreach (var partition in active.Partitions.Where(_paused.Remove))
        {
            _pendingResume.Add(partition);
        }

        _startedSinceLastCheck = true;
        _logger.LogInformation("{Thread} started task {Task}", _threadName, task.Id);
    }

    private static IEnumerable<IManagedStateStore> LoggedStores(StreamTask task) => task.Stores.Values.Where(store => store.IsLogged);

    private TopicPartition Changelog(IManagedStateStore store, TaskId task) =>
        StateStoreContext.ChangelogPartition(_config.ApplicationId, store.Name, task.Partition);

    private void WriteCheckpoint(ActiveTask active)
    {
        var offsets = new Dictionary<string, long>();
        foreach (var store in active.Task.Stores.Values.Where(store => store.IsLogged && store.IsPersistent))
        {
            var changelog = StateStoreContext.ChangelogTopicName(_config.ApplicationId, store.Name);
            if (_acknowledgedChangelogOffset(changelog, active.Task.Id.Partition) is { } written)
            {
                active.ChangelogOffsets[store.Name] = Math.Max(written, active.ChangelogOffsets.GetValueOrDefault(store.Name, -1));
            }

            // Nothing written or restored yet: an empty store is in sync with an empty changelog.
            offsets[store.Name] = active.ChangelogOffsets.TryGetValue(store.Name, out var offset) ? offset : -1;
        }

        if (offsets.Count > 0)
        {
            TaskCheckpoint.Write(active.Task.StateDirectory, offsets);
        }
    }

    /// <summary>A task of this thread with the input partitions it reads.</summary>
    internal sealed class ActiveTask(StreamTask task, IReadOnlyList<TopicPartition> partitions, PartitionGroup? group)
    {
        public StreamTask Task { get; } = task;

        public IReadOnlyList<TopicPartition> Partitions { get; } = partitions;

        /// <summary>The buffered input of a task that reads several partitions; null for one partition.</summary>
        public PartitionGroup? Group { get; } = group;

        /// <summary>Restored and processing.</summary>
        public bool Running { get; set; }

        /// <summary>The changelog offset each logged store reflects (restored or acknowledged), for checkpoints.</summary>
        public Dictionary<string, long> ChangelogOffsets { get; } = [];
    }
}
