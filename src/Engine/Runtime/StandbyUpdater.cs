using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Streams.Engine.Graph;
using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.Queries;
using Streams.Engine.State;
using Streams.Engine.Tasks;

namespace Streams.Engine.Runtime;

/// <summary>
/// Keeps this instance's standby replicas (<see cref="StreamsConfig.NumStandbyReplicas"/>): warm copies of other
/// instances' tasks, in the same task directories an active task would use, fed from the tasks' changelogs by one
/// thread and one consumer. Which tasks comes from <see cref="StandbyPlacement"/> over the instance directory, checked
/// every second. A standby checkpoints every 10 seconds and when it closes; when this instance is assigned the task, the
/// stream thread has the standby hand its stores over (<see cref="HostedTasks.StandbyReleaser"/>) and restores only
/// what the changelog holds past that checkpoint. Queries may read a standby, marked as such, with its lag.
/// </summary>
internal sealed class StandbyUpdater : IDisposable
{
    private const int RecordsPerSlice = 5000;
    private static readonly TimeSpan ReconcileInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan KafkaTimeout = TimeSpan.FromSeconds(10);

    private readonly Topology _topology;
    private readonly StreamsConfig _config;
    private readonly string _processId;
    private readonly HostedTasks _hosted;
    private readonly InstanceDirectory _directory;
    private readonly StreamsMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<TaskId, StandbyTask> _tasks = [];
    private readonly Dictionary<TopicPartition, (StandbyTask Task, IManagedStateStore Store)> _byChangelog = [];
    private readonly Dictionary<TopicPartition, List<KeyValuePair<byte[], byte[]?>>> _batches = [];
    private readonly Queue<TaskId> _toOpen = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Thread _thread;
    private IConsumer<byte[], byte[]>? _consumer;

    public StandbyUpdater(
        Topology topology, StreamsConfig config, string processId, HostedTasks hosted, InstanceDirectory directory, StreamsMetrics metrics, TimeProvider time, ILogger logger)
    {
        _topology = topology;
        _config = config;
        _processId = processId;
        _hosted = hosted;
        _directory = directory;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = $"{config.ApplicationId}-StandbyUpdater" };
    }

    public void Start()
    {
        _consumer = new ConsumerBuilder<byte[], byte[]>(StreamsClientSettings.StandbyConsumer(_config, _processId))
            .SetLogHandler(KafkaClientLog.To(_logger))
            .Build();
        _hosted.StandbyReleaser = Release;
        _thread.Start();
    }

    /// <summary>Closes the standby of <paramref name="task"/>, checkpointed, if this instance keeps one.</summary>
    public void Release(TaskId task)
    {
        lock (_gate)
        {
            if (_tasks.TryGetValue(task, out var standby))
            {
                Close(standby, checkpoint: true);
                _logger.LogInformation("Standby of task {Task} handed over to the active task", task);
            }
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        if (_thread.IsAlive)
        {
            _thread.Join(TimeSpan.FromSeconds(30));
        }

        _hosted.StandbyReleaser = null;
        lock (_gate)
        {
            foreach (var standby in _tasks.Values.ToList())
            {
                Close(standby, checkpoint: true);
            }

            _consumer?.Close();
            _consumer?.Dispose();
            _consumer = null;
        }

        _stopping.Dispose();
    }

    private void Run()
    {
        var lastReconcile = 0L;
        var lastCheckpoint = Stopwatch.GetTimestamp();
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                int applied;
                lock (_gate)
                {
                    if (Stopwatch.GetElapsedTime(lastReconcile) >= ReconcileInterval)
                    {
                        lastReconcile = Stopwatch.GetTimestamp();
                        Reconcile();
                        UpdateLags();
                    }

                    if (Stopwatch.GetElapsedTime(lastCheckpoint) >= CheckpointInterval)
                    {
                        lastCheckpoint = Stopwatch.GetTimestamp();
                        foreach (var standby in _tasks.Values)
                        {
                            standby.Task.Flush();
                            WriteCheckpoint(standby);
                        }
                    }

                    OpenNext();
                    applied = Apply();
                }

                if (applied == 0 && _toOpen.Count == 0)
                {
                    _stopping.Token.WaitHandle.WaitOne(50);
                }
            }
            catch (Exception e) when (e is KafkaException or RocksDbSharp.RocksDbException or IOException)
            {
                // A standby is an optimisation: a failure costs a full restore on failover, never the active work.
                _logger.LogWarning(e, "Standby updater of {ProcessId}: {Reason}; its standbys are rebuilt", _processId, e.Message);
                lock (_gate)
                {
                    foreach (var standby in _tasks.Values.ToList())
                    {
                        Close(standby, checkpoint: false);
                    }
                }

                _stopping.Token.WaitHandle.WaitOne(1000);
            }
        }
    }

    private void Reconcile()
    {
        var localActive = _hosted.ActiveSnapshot().ToDictionary(task => task.Id, task => task.SinceMs);
        var desired = StandbyPlacement.Choose(_processId, _directory.Live(), _config.NumStandbyReplicas, localActive, _tasks.Keys.ToHashSet());
        foreach (var standby in _tasks.Values.Where(standby => !desired.Contains(standby.Task.Id)).ToList())
        {
            Close(standby, checkpoint: true);
            _logger.LogInformation("Closed the standby of task {Task}: placed elsewhere now", standby.Task.Id);
        }

        _toOpen.Clear();
        foreach (var task in desired.Order())
        {
            _toOpen.Enqueue(task);
        }
    }

    /// <summary>
    /// Opens the next standby placed here, one per pass of the loop: opening a task's stores takes tens of milliseconds
    /// each, and the stream thread's handover of a task it has just been assigned waits for the gate. An instance
    /// joining a group places a standby of every task the others run; opened all in one pass, the tasks assigned to it
    /// in the same rebalance waited behind all of them (23 s for 64 tasks of 12 stores).
    /// </summary>
    private void OpenNext()
    {
        while (_toOpen.TryDequeue(out var task))
        {
            if (!_tasks.ContainsKey(task) && !_hosted.IsActive(task))
            {
                Open(task);
                return;
            }
        }
    }

    private void Open(TaskId id)
    {
        var task = new StreamTask(id, _topology, _config, NoOutput.Instance, _time, _metrics, _logger);
        var checkpoint = TaskCheckpoint.Read(task.StateDirectory);
        var logged = task.Stores.Values.Where(store => store.IsLogged).ToList();
        foreach (var store in logged.Where(store => store.IsPersistent))
        {
            var changelog = Changelog(store, id);
            if (checkpoint.TryGetValue(store.Name, out var offset) && ChangelogRestorer.CheckpointMismatch(changelog, offset, _consumer!.QueryWatermarkOffsets(changelog, KafkaTimeout)) is not null)
            {
                checkpoint.Remove(store.Name);
            }

            var directory = StateStoreBase.DirectoryFor(task.StateDirectory, store.Name);
            if (!checkpoint.ContainsKey(store.Name) && Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        task.InitializeStores();
        var standby = new StandbyTask(task);
        var assignment = new List<TopicPartitionOffset>();
        foreach (var store in logged)
        {
            var changelog = Changelog(store, id);
            long? offset = store.IsPersistent && checkpoint.TryGetValue(store.Name, out var at) ? at : null;
            if (offset is { } applied)
            {
                standby.Offsets[store.Name] = applied;
            }

            _byChangelog[changelog] = (standby, store);
            standby.Changelogs.Add(changelog);
            assignment.Add(new TopicPartitionOffset(changelog, offset is { } o ? new Offset(o + 1) : Offset.Beginning));
        }

        _consumer!.IncrementalAssign(assignment);
        _tasks[id] = standby;
        _hosted.AddStandby(new QueryableTask(id, task.Stores, () => standby.StreamTime, isStandby: true) { Running = true });
        _logger.LogInformation("Keeping a standby of task {Task} ({Resumed} of {Stores} logged stores resumed from a checkpoint)", id, standby.Offsets.Count, logged.Count);
    }

    private void Close(StandbyTask standby, bool checkpoint)
    {
        var id = standby.Task.Id;
        _hosted.RemoveStandby(id);
        foreach (var changelog in standby.Changelogs)
        {
            _byChangelog.Remove(changelog);
            _batches.Remove(changelog);
        }

        try
        {
            _consumer?.IncrementalUnassign(standby.Changelogs);
        }
        catch (KafkaException e)
        {
            _logger.LogDebug("Standby of task {Task}: unassigning its changelogs failed: {Reason}", id, e.Error.Reason);
        }

        standby.Task.Dispose();
        if (checkpoint)
        {
            WriteCheckpoint(standby);
        }
        else
        {
            TaskCheckpoint.Delete(standby.Task.StateDirectory);
        }

        _tasks.Remove(id);
    }

    /// <summary>Applies what the consumer has buffered, a batch per changelog partition; returns the records applied.</summary>
    private int Apply()
    {
        if (_tasks.Count == 0)
        {
            return 0;
        }

        var count = 0;
        for (; count < RecordsPerSlice; count++)
        {
            var record = _consumer!.Consume(TimeSpan.Zero);
            if (record is null)
            {
                break;
            }

            if (!_byChangelog.TryGetValue(record.TopicPartition, out var target))
            {
                continue;
            }

            if (!_batches.TryGetValue(record.TopicPartition, out var batch))
            {
                _batches[record.TopicPartition] = batch = [];
            }

            batch.Add(new KeyValuePair<byte[], byte[]?>(record.Message.Key, record.Message.Value));
            target.Task.Offsets[target.Store.Name] = record.Offset.Value;
            target.Task.ObserveTimestamp(record.Message.Timestamp.UnixTimestampMs);
        }

        foreach (var (changelog, batch) in _batches)
        {
            if (batch.Count > 0 && _byChangelog.TryGetValue(changelog, out var target))
            {
                target.Store.Restore(batch);
                batch.Clear();
            }
        }

        return count;
    }

    private void UpdateLags()
    {
        foreach (var standby in _tasks.Values)
        {
            long? lag = 0;
            foreach (var changelog in standby.Changelogs)
            {
                var end = _consumer!.GetWatermarkOffsets(changelog).High;
                var store = _byChangelog[changelog].Store.Name;
                if (end == Offset.Unset)
                {
                    lag = null;
                    break;
                }

                lag += Math.Max(0, end.Value - (standby.Offsets.TryGetValue(store, out var applied) ? applied + 1 : 0));
            }

            if (_hosted.TryGetStandby(standby.Task.Id, out var queryable))
            {
                queryable.LagRecords = lag;
            }
        }
    }

    private void WriteCheckpoint(StandbyTask standby)
    {
        var offsets = new Dictionary<string, long>();
        foreach (var store in standby.Task.Stores.Values.Where(store => store.IsLogged && store.IsPersistent))
        {
            // Nothing applied: the store reflects the changelog before its first record.
            offsets[store.Name] = standby.Offsets.TryGetValue(store.Name, out var offset) ? offset : -1;
        }

        if (offsets.Count > 0)
        {
            TaskCheckpoint.Write(standby.Task.StateDirectory, offsets);
        }
    }

    private TopicPartition Changelog(IManagedStateStore store, TaskId task) =>
        StateStoreContext.ChangelogPartition(_config.ApplicationId, store.Name, task.Partition);

    /// <summary>A standby: the task (stores only; its processors never run), and per store the last changelog offset applied.</summary>
    private sealed class StandbyTask(StreamTask task)
    {
        private long _streamTime = -1;

        public StreamTask Task { get; } = task;

        public Dictionary<string, long> Offsets { get; } = [];

        public List<TopicPartition> Changelogs { get; } = [];

        /// <summary>The latest changelog record timestamp applied: how far the active task had got.</summary>
        public long StreamTime => Interlocked.Read(ref _streamTime);

        public void ObserveTimestamp(long timestamp)
        {
            if (timestamp > _streamTime)
            {
                Interlocked.Exchange(ref _streamTime, timestamp);
            }
        }
    }

    /// <summary>A standby task writes nothing: its processors never run.</summary>
    private sealed class NoOutput : IRecordCollector
    {
        public static readonly NoOutput Instance = new();

        public void Send(string topic, byte[]? key, byte[]? value, Headers? headers, long timestamp, int? partition) =>
            throw new InvalidOperationException("A standby task does not write.");
    }
}
