using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using Streams.Engine.Graph;
using Streams.Engine.Metrics;
using Streams.Engine.Queries;
using Streams.Engine.State;
using Streams.Engine.Tasks;

namespace Streams.Engine.Runtime;

/// <summary>
/// One stream thread: a consumer in the application's group, a producer (transactional under exactly-once), and the
/// tasks of the partitions the group gave it. The loop polls, restores newly assigned tasks before they process,
/// processes records, runs wall-clock punctuators and commits on the commit interval. The commit path is
/// <see cref="ICommitter"/>: <see cref="AtLeastOnceCommitter"/> flushes the producer, flushes stores, commits offsets
/// and writes checkpoints; <see cref="ExactlyOnceCommitter"/> sends the offsets to the transaction and commits it.
/// Client settings are in <see cref="StreamsClientSettings"/>.
/// </summary>
internal sealed class StreamThread
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);

    // While a task waits for records the consumer is about to deliver, the loop comes back this soon.
    private static readonly TimeSpan FetchWaitPollTimeout = TimeSpan.FromMilliseconds(2);

    /// <summary>How long one pass of the loop may spend opening newly assigned tasks before it polls again.</summary>
    private static readonly TimeSpan TaskOpeningBudget = TimeSpan.FromMilliseconds(100);

    // Changelog records restored per loop: enough to restore quickly, few enough that the thread's running tasks,
    // punctuators and commits keep their pace (about tens of milliseconds of work).
    private const int RestoreRecordsPerLoop = 20_000;
    private static readonly TimeSpan KafkaTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StalledCommitWarning = TimeSpan.FromSeconds(30);
    private static readonly long LagRefreshTicks = Stopwatch.Frequency;

    private readonly string _name;
    private readonly Topology _topology;
    private readonly StreamsConfig _config;
    private readonly TopicPlan _plan;
    private readonly string _processId;
    private readonly StreamsMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action _stateChanged;
    private readonly HostedTasks _hosted;
    private readonly bool _exactlyOnce;
    private readonly Counter _rebalances;
    private readonly Counter _partitionsRevoked;
    private readonly Histogram _commitLatency;
    private readonly Counter[] _commits;
    private readonly TimeSpan? _idleCommitInterval;
    private readonly Counter _transactionsAborted;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Thread _thread;
    private IConsumer<byte[], byte[]>? _consumer;
    private StreamsProducer? _producer;
    private KafkaChangelogReader? _changelogReader;
    private IAdminClient? _admin;
    private RepartitionPurger? _purger;
    private ChangelogRestorer? _restorer;
    private ICommitter? _committer;
    private TaskManager? _taskManager;
    private RecordCache? _recordCache;
    private long _lastCommitTicks;
    private long _committedTicks = Stopwatch.GetTimestamp();
    private bool _warnedCommitStalled;
    private long _lastLagTicks;
    private long _lastLoopTicks = Stopwatch.GetTimestamp();
    private bool _handlersEnabled = true;
    private volatile ThreadState _state = ThreadState.Created;
    private volatile IReadOnlyList<TaskInfo> _taskInfos = [];
    private volatile IReadOnlyList<PartitionLag> _lags = [];
    private readonly Dictionary<TopicPartition, long> _startOffsets = [];
    private readonly Func<TopicPartition, long?> _fetchedLag;
    private bool _waitingForFetch;

    // Whether records were consumed since the last commit: without them an idle commit would have nothing to commit.
    private bool _uncommittedRecords;

    public StreamThread(
        int index,
        Topology topology,
        StreamsConfig config,
        TopicPlan plan,
        string processId,
        StreamsMetrics metrics,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        HostedTasks hosted,
        Action stateChanged)
    {
        _hosted = hosted;
        Index = index;
        _name = $"{config.ApplicationId}-StreamThread-{index}";
        _topology = topology;
        _config = config;
        _plan = plan;
        _processId = processId;
        _metrics = metrics;
        _time = time;
        _logger = loggerFactory.CreateLogger<StreamThread>();
        _stateChanged = stateChanged;
        _exactlyOnce = config.ProcessingGuarantee == ProcessingGuarantee.ExactlyOnceV2;
        _rebalances = metrics.Counter(RuntimeMetrics.Rebalances, _name);
        _partitionsRevoked = metrics.Counter(RuntimeMetrics.PartitionsRevoked, _name);
        _commitLatency = metrics.Histogram(RuntimeMetrics.CommitLatency, _name);
        _commits = Enum.GetValues<CommitReason>().Select(reason => metrics.Counter(RuntimeMetrics.Commits, _name, reason.ToString().ToLowerInvariant())).ToArray();
        _idleCommitInterval = _exactlyOnce && config.IdleCommitIntervalMs is { } idle ? TimeSpan.FromMilliseconds(idle) : null;
        _transactionsAborted = metrics.Counter(RuntimeMetrics.TransactionsAborted, _name);
        _thread = new Thread(Run) { IsBackground = true, Name = _name };
        _fetchedLag = FetchedLag;
    }

    public int Index { get; }

    public ThreadState State => _state;

    public Exception? Error { get; private set; }

    public IReadOnlyList<TaskInfo> Tasks => _taskInfos;

    public IReadOnlyList<PartitionLag> Lags => _lags;

    /// <summary>How long ago the loop last went round; a stuck thread (a processor that never returns) shows here.</summary>
    public TimeSpan SinceLastLoop => Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastLoopTicks));

    public void Start() => _thread.Start();

    public void RequestShutdown() => _stopping.Cancel();

    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    private void Run()
    {
        try
        {
            CreateClients();
            SetState(ThreadState.Starting);
            _consumer!.Subscribe(_plan.AnchorTopics);
            _lastCommitTicks = _committedTicks = Stopwatch.GetTimestamp();
            while (!_stopping.IsCancellationRequested)
            {
                // Block briefly for the first record (not at all while stores restore: the next slice is due), then drain
                // what is buffered without blocking, up to a bound so that punctuation and commits still run under load.
                var timeout = _taskManager!.HasPendingRestoration ? TimeSpan.Zero : _waitingForFetch ? FetchWaitPollTimeout : PollTimeout;
                var record = _consumer.Consume(timeout);
                ApplyAssignmentChanges();
                _uncommittedRecords |= record is not null;
                for (var burst = 0; record is not null; burst++)
                {
                    _taskManager.Process(record, _consumer);
                    if (burst == 1000)
                    {
                        break;
                    }

                    record = _consumer.Consume(TimeSpan.Zero);
                    ApplyAssignmentChanges();
                }

                _waitingForFetch = _taskManager.ProcessBuffered(_consumer, _fetchedLag);
                _producer!.ServeDeliveryReports();
                Restore();

                // A burst that ended on its bound, not on an empty poll, leaves more to consume.
                Maintain(caughtUp: record is null);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Asked to stop while restoring: shut down as usual.
        }
        catch (Exception e)
        {
            Fail(e);
            return;
        }

        try
        {
            ShutDownCleanly();
            SetState(ThreadState.Dead);
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    private void Fail(Exception error)
    {
        Error = error;
        _logger.LogError(error, "Stream thread {Thread} stopped on a fatal error: {Message}", _name, error.Message);
        ShutDownAfterFailure();
        SetState(ThreadState.Error);
    }

    private void CreateClients()
    {
        _consumer = new ConsumerBuilder<byte[], byte[]>(StreamsClientSettings.MainConsumer(_config, _name, Index))
            .SetPartitionsAssignedHandler(OnPartitionsAssigned)
            .SetPartitionsRevokedHandler(OnPartitionsRevoked)
            .SetPartitionsLostHandler(OnPartitionsLost)
            .SetErrorHandler((_, error) => _logger.LogWarning("Consumer of {Thread}: {Error}", _name, error.Reason))
            .SetLogHandler(KafkaClientLog.To(_logger))
            .Build();

        _changelogReader = new KafkaChangelogReader(StreamsClientSettings.RestoreConsumer(_config, _name), _logger);

        var producer = _producer = new StreamsProducer(StreamsClientSettings.Producer(_config, _name, _processId, Index), _plan.ChangelogTopics, _name, _logger);
        if (_exactlyOnce)
        {
            producer.InitTransactions(_consumer, KafkaTimeout);
            producer.BeginTransaction();
        }

        if (_plan.RepartitionTopics.Count > 0)
        {
            // On the consumer's connections: purging needs no client of its own.
            var admin = _admin = new DependentAdminClientBuilder(_consumer.Handle).Build();
            _purger = new RepartitionPurger(
                _plan.RepartitionTopics, offsets => admin.DeleteRecordsAsync(offsets, new DeleteRecordsOptions { RequestTimeout = KafkaTimeout }),
                TimeSpan.FromMilliseconds(_config.RepartitionPurgeIntervalMs), _logger, _name);
        }

        _restorer = new ChangelogRestorer(_changelogReader, _metrics, _logger);
        var cache = _recordCache = _config.StateStoreCacheMaxBytes > 0 ? new RecordCache(_config.StateStoreCacheMaxBytes, _metrics, _name) : null;
        _taskManager = new TaskManager(
            _config, _plan, id => new StreamTask(id, _topology, _config, producer, _time, _metrics, _logger, cache), _restorer,
            producer.ChangelogOffset, _metrics, _logger, _name, _hosted, _time);
        var tasks = _taskManager;
        _committer = _exactlyOnce
            ? new ExactlyOnceCommitter(producer, KafkaTimeout)
            : new AtLeastOnceCommitter(producer, _consumer, tasks.FlushRunningStores, tasks.WriteRunningCheckpoints, KafkaTimeout);
    }

    private IEnumerable<TopicPartitionOffset> OnPartitionsAssigned(IConsumer<byte[], byte[]> consumer, List<TopicPartition> anchors)
    {
        if (!_handlersEnabled)
        {
            return anchors.Select(tp => new TopicPartitionOffset(tp, Offset.Unset));
        }

        _rebalances.Increment();
        _taskManager!.HandleAssigned(anchors);
        _logger.LogInformation("{Thread} assigned {Partitions}", _name, string.Join(", ", anchors));
        SetState(_taskManager.HasPendingRestoration ? ThreadState.Restoring : ThreadState.Running);
        PublishTasks();
        return anchors.Select(tp => new TopicPartitionOffset(tp, Offset.Unset));
    }

    private void OnPartitionsRevoked(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> anchors)
    {
        if (!_handlersEnabled)
        {
            return;
        }

        _partitionsRevoked.Increment(anchors.Count);
        var revoked = anchors.Select(a => a.TopicPartition).ToList();
        _logger.LogInformation("{Thread} revoked {Partitions}", _name, string.Join(", ", revoked));
        if (_taskManager!.TasksOf(revoked).Count > 0)
        {
            Commit(CommitReason.Rebalance);

            // Asked again: a commit that had to abort its transaction replaced every task.
            foreach (var task in _taskManager.TasksOf(revoked))
            {
                _taskManager.Close(task, clean: true);
            }
        }

        SetState(ThreadState.Rebalancing);
        PublishTasks();
    }

    private void OnPartitionsLost(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> anchors)
    {
        if (!_handlersEnabled)
        {
            return;
        }

        _partitionsRevoked.Increment(anchors.Count);
        _logger.LogWarning("{Thread} lost {Partitions}: closing their tasks without committing", _name, string.Join(", ", anchors.Select(a => a.TopicPartition)));
        if (_exactlyOnce)
        {
            // The open transaction holds output of every task of this thread; all of it is reprocessed by the new owners.
            _producer!.AbortTransaction(KafkaTimeout);
            _producer.BeginTransaction();
            foreach (var task in _taskManager!.All())
            {
                _taskManager.Close(task, clean: false);
            }
        }
        else
        {
            foreach (var task in _taskManager!.TasksOf(anchors.Select(a => a.TopicPartition)))
            {
                _taskManager.Close(task, clean: false);
            }
        }

        SetState(ThreadState.Rebalancing);
        PublishTasks();
    }

    /// <summary>
    /// Reads the secondary partitions of newly assigned tasks and drops those of revoked ones (librdkafka forbids
    /// changing the assignment inside rebalance handlers), then restores new tasks before any of their records run.
    /// </summary>
    private void ApplyAssignmentChanges()
    {
        _taskManager!.ApplyAssignmentChanges(_consumer!);
        _taskManager.BeginRestoration(TaskOpeningBudget);
        UpdateRestorationState(started: false);
    }

    /// <summary>A slice of restoration: the thread's running tasks keep processing between slices.</summary>
    private void Restore()
    {
        if (_taskManager!.HasPendingRestoration)
        {
            UpdateRestorationState(_taskManager.AdvanceRestoration(RestoreRecordsPerLoop, _stopping.Token));
        }
    }

    private void UpdateRestorationState(bool started)
    {
        if (started || (_state == ThreadState.Restoring && !_taskManager!.HasPendingRestoration))
        {
            PublishTasks();
        }

        if (_state == ThreadState.Restoring && !_taskManager!.HasPendingRestoration)
        {
            SetState(ThreadState.Running);
        }
    }

    private void Maintain(bool caughtUp)
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.Exchange(ref _lastLoopTicks, now);
        _producer!.ThrowIfFailed();
        var commitRequested = _taskManager!.PunctuateWallClock();
        var sinceCommit = Stopwatch.GetElapsedTime(_lastCommitTicks);
        if (commitRequested)
        {
            Commit(CommitReason.Requested);
        }
        else if (sinceCommit >= _config.EffectiveCommitInterval)
        {
            Commit(CommitReason.Interval);
        }
        else if (caughtUp && IdleCommitDue(sinceCommit))
        {
            Commit(CommitReason.Idle);
        }

        if (now - _lastLagTicks >= LagRefreshTicks)
        {
            _lastLagTicks = now;
            RefreshLags();
        }
    }

    /// <summary>
    /// Whether a thread that has caught up commits early (idle.commit.interval.ms). An empty poll is not enough: between
    /// fetches the consumer's queue runs dry in the middle of a backlog, so the broker must hold nothing of the thread's
    /// partitions that the consumer has not delivered, as of the last fetch. Not after a postponed commit: a rebalance
    /// is under way, and the commit interval paces the retries.
    /// </summary>
    private bool IdleCommitDue(TimeSpan sinceCommit) =>
        _idleCommitInterval is { } idle && _uncommittedRecords && sinceCommit >= idle && _lastCommitTicks == _committedTicks
        && !_taskManager!.HasInputLeft(_fetchedLag);

    /// <summary>The commit path. Output first, then input offsets, so that nothing is marked consumed before its results are durable.</summary>
    private void Commit(CommitReason reason)
    {
        try
        {
            CommitOrThrow(reason);
        }
        catch (KafkaTxnRequiresAbortException e)
        {
            // A record that could not be produced stops the thread as under at-least-once; any other abortable error
            // (a rebalance fenced the transaction's offsets) costs the transaction, not the thread.
            _producer!.ThrowIfFailed();
            AbortAndRevive(e);
        }
        catch (KafkaException e) when (IsGroupInTransition(e.Error.Code))
        {
            // The group is rebalancing: keep the offsets pending and commit at the next interval (or in the
            // revocation handler, which runs with the generation still valid). Nothing is checkpointed meanwhile.
            // A rebalance takes seconds; commits postponed for longer say that something else is wrong.
            var stalled = Stopwatch.GetElapsedTime(_committedTicks);
            if (stalled >= StalledCommitWarning && !_warnedCommitStalled)
            {
                _warnedCommitStalled = true;
                _logger.LogWarning("{Thread} has not committed for {Seconds:F0} s: each commit was postponed ({Reason})", _name, stalled.TotalSeconds, e.Error.Reason);
            }
            else
            {
                _logger.LogDebug("{Thread} postponed a commit: {Reason}", _name, e.Error.Reason);
            }

            _lastCommitTicks = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>
    /// The transaction cannot commit: it is aborted, taking the outputs, changelog writes and offsets of everything
    /// processed since the last commit with it, and every task starts again from the last committed offsets with its
    /// stores rebuilt from the committed changelogs. Continuing instead would leave the transaction unable to ever
    /// commit while the thread went on consuming.
    /// </summary>
    private void AbortAndRevive(KafkaException error)
    {
        _logger.LogWarning(error, "{Thread} aborted its transaction and restarts its tasks from the last commit: {Reason}", _name, error.Error.Reason);
        _transactionsAborted.Increment();
        _producer!.AbortTransaction(KafkaTimeout);
        _producer.BeginTransaction();
        var partitions = _taskManager!.ReviveAll();

        // A seek, unlike taking the partitions out of the assignment and back, also discards what the consumer had
        // fetched beyond the committed offsets, which the new tasks would otherwise take as their starting point.
        foreach (var committed in _consumer!.Committed(partitions, KafkaTimeout))
        {
            _consumer.Seek(new TopicPartitionOffset(committed.TopicPartition, committed.Offset.Value >= 0 ? committed.Offset : Offset.Beginning));
        }

        _startOffsets.Clear();
        _lastCommitTicks = Stopwatch.GetTimestamp();
        SetState(ThreadState.Restoring);
        PublishTasks();
    }

    private static bool IsGroupInTransition(ErrorCode code) =>
        code is ErrorCode.RebalanceInProgress or ErrorCode.IllegalGeneration or ErrorCode.UnknownMemberId or ErrorCode.Local_State;

    private void CommitOrThrow(CommitReason reason)
    {
        var started = Stopwatch.GetTimestamp();

        // Cached store changes reach the stores and the changelogs first, so that the commit covers them.
        _recordCache?.FlushAll();
        var offsets = _taskManager!.ConsumedOffsets();
        _committer!.Commit(offsets);
        _taskManager.ClearCommitRequests();
        _purger?.Committed(offsets);

        _lastCommitTicks = _committedTicks = Stopwatch.GetTimestamp();
        _uncommittedRecords = false;
        _warnedCommitStalled = false;
        _commitLatency.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        _commits[(int)reason].Increment();
    }

    private void ShutDownCleanly()
    {
        SetState(ThreadState.PendingShutdown);
        try
        {
            if (_taskManager is { Count: > 0 })
            {
                Commit(CommitReason.Shutdown);
            }

            foreach (var task in _taskManager?.All() ?? [])
            {
                _taskManager!.Close(task, clean: true);
            }

            _handlersEnabled = false;
            if (_exactlyOnce)
            {
                _producer?.AbortTransaction(KafkaTimeout);
            }

            // Leaves the group, unless static membership keeps the member's partitions for its return.
            _consumer?.Close();
        }
        finally
        {
            DisposeClients();
            PublishTasks();
        }
    }

    private void ShutDownAfterFailure()
    {
        _handlersEnabled = false;
        try
        {
            if (_exactlyOnce)
            {
                _producer?.AbortTransaction(KafkaTimeout);
            }
        }
        catch (KafkaException e)
        {
            _logger.LogWarning(e, "Could not abort the transaction of {Thread}", _name);
        }

        foreach (var task in _taskManager?.All() ?? [])
        {
            try
            {
                _taskManager!.Close(task, clean: false);
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Could not close task {Task}", task.Task.Id);
            }
        }

        try
        {
            _consumer?.Close();
        }
        catch (KafkaException e)
        {
            _logger.LogWarning(e, "Could not close the consumer of {Thread}", _name);
        }

        DisposeClients();
        PublishTasks();
    }

    private void DisposeClients()
    {
        _admin?.Dispose();
        _consumer?.Dispose();
        _changelogReader?.Dispose();
        _producer?.Dispose();
        _admin = null;
        _consumer = null;
        _changelogReader = null;
        _producer = null;
    }

    private void RefreshLags()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var lags = new List<PartitionLag>(_taskManager!.Count);
        foreach (var (partition, task, nextOffset, lastTimestamp, buffered) in _taskManager.Partitions())
        {
            var end = _consumer!.GetWatermarkOffsets(partition).High.Value;
            if (end < 0)
            {
                continue;
            }

            // With nothing of the partition waiting in a task's buffer, the consumer's position is where processing
            // stands; unlike the last processed offset, it steps over the transaction marker that ends a transactional
            // input (an exactly-once repartition topic), which would otherwise show as a lag of 1 forever.
            var position = nextOffset is { } processed
                ? buffered ? processed : Math.Max(processed, _consumer.Position(partition).Value)
                : DeliveredPosition(partition);
            var records = Math.Max(0, end - position);
            var seconds = records > 0 && lastTimestamp is { } timestamp ? Math.Max(0, now - timestamp) / 1000.0 : 0;
            lags.Add(new PartitionLag(partition.Topic, partition.Partition.Value, records, seconds, position, end, task));
        }

        _lags = lags;
        foreach (var partition in _startOffsets.Keys.Where(partition => !_taskManager.Owns(partition)).ToList())
        {
            _startOffsets.Remove(partition);
        }
    }

    /// <summary>
    /// Where the thread starts reading a partition of which it has consumed nothing yet: the group's committed offset,
    /// else the log start. Asked of the group once per assignment, for every partition of the thread not asked yet in
    /// one request (lag and the partition groups ask for each partition in turn right after an assignment): without it
    /// an idle partition would show its whole log as lag, and one that never starts fetching would show no cause.
    /// </summary>
    private long StartOffset(TopicPartition partition)
    {
        if (!_startOffsets.TryGetValue(partition, out var start))
        {
            var unasked = new List<TopicPartition> { partition };
            foreach (var (owned, _, _, _, _) in _taskManager!.Partitions())
            {
                if (owned != partition && !_startOffsets.ContainsKey(owned))
                {
                    unasked.Add(owned);
                }
            }

            try
            {
                foreach (var committed in _consumer!.Committed(unasked, TimeSpan.FromSeconds(5)))
                {
                    _startOffsets[committed.TopicPartition] = committed.Offset.Value;
                }
            }
            catch (KafkaException e)
            {
                // Not asked again until the partitions are reassigned: the call blocks the stream thread for up to its
                // timeout, and lag is refreshed every second. The log start stands in meanwhile.
                _logger.LogDebug("{Thread} could not read the committed offsets of {Count} partitions for their lag: {Reason}", _name, unasked.Count, e.Error.Reason);
            }

            foreach (var asked in unasked)
            {
                _startOffsets.TryAdd(asked, Offset.Unset.Value);
            }

            start = _startOffsets[partition];
        }

        return start >= 0 ? start : Math.Max(0, _consumer!.GetWatermarkOffsets(partition).Low.Value);
    }

    /// <summary>
    /// Records of <paramref name="partition"/> the broker holds that the consumer has not delivered, from the high
    /// watermark (the last stable offset under read_committed) of the last fetch and the consumer's position, which
    /// steps over transaction markers; null before the first fetch. Local: no request to the broker.
    /// </summary>
    private long? FetchedLag(TopicPartition partition)
    {
        var high = _consumer!.GetWatermarkOffsets(partition).High.Value;
        if (high < 0)
        {
            return null;
        }

        return Math.Max(0, high - DeliveredPosition(partition));
    }

    /// <summary>
    /// The offset after the last record (or transaction marker) the consumer delivered of <paramref name="partition"/>;
    /// before the first, where it starts reading.
    /// </summary>
    private long DeliveredPosition(TopicPartition partition) =>
        _consumer!.Position(partition).Value is >= 0 and var position ? position : StartOffset(partition);

    private void PublishTasks() => _taskInfos = _taskManager?.Describe() ?? [];

    private void SetState(ThreadState state)
    {
        if (_state == state)
        {
            return;
        }

        _state = state;
        _stateChanged();
    }
}

/// <summary>The life cycle of a stream thread.</summary>
internal enum ThreadState
{
    Created,
    Starting,
    Restoring,
    Rebalancing,
    Running,
    PendingShutdown,
    Dead,
    Error,
}
