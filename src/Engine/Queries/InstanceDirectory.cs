using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Streams.Engine.Processor;
using Streams.Engine.Runtime;

namespace Streams.Engine.Queries;

/// <summary>
/// Which instance of the application runs which task, and where to reach it. librdkafka has no pluggable assignor, so
/// instances cannot exchange this in the group protocol as Kafka Streams does; instead each instance announces its
/// endpoint and tasks on a compacted, single-partition internal topic (<c>&lt;application.id&gt;-instances</c>), on
/// every change of its tasks and every second, and reads everyone's announcements from it. An instance that stops
/// announcing (a <c>kill -9</c>) is taken for gone after <see cref="ExpireAfter"/>; one that shuts down writes a
/// tombstone. When two instances claim a task (the old owner has not yet noticed it lost it), the later claim wins.
/// </summary>
internal sealed class InstanceDirectory : IDisposable
{
    /// <summary>How often an instance announces itself when nothing changes.</summary>
    public static readonly TimeSpan AnnounceInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long after its last announcement an instance counts as gone.</summary>
    public static readonly TimeSpan ExpireAfter = TimeSpan.FromSeconds(4);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly StreamsConfig _config;
    private readonly string _processId;
    private readonly HostedTasks _hosted;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _topic;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Thread _thread;
    private IProducer<string, string?>? _producer;
    private IConsumer<string, string?>? _consumer;
    private volatile Dictionary<string, KnownInstance> _known = new(StringComparer.Ordinal);
    private int _announcedVersion = -1;
    private long _lastAnnounceTicks;

    public InstanceDirectory(StreamsConfig config, string processId, HostedTasks hosted, TimeProvider time, ILogger logger)
    {
        _config = config;
        _processId = processId;
        _hosted = hosted;
        _time = time;
        _logger = logger;
        _topic = TopicName(config.ApplicationId);
        _thread = new Thread(Run) { IsBackground = true, Name = $"{config.ApplicationId}-InstanceDirectory" };
    }

    /// <summary>The directory topic of an application.</summary>
    public static string TopicName(string applicationId) => $"{applicationId}-instances";

    /// <summary>
    /// The directory topic: one partition (every instance reads all of it), compacted so that each instance's latest
    /// announcement stays, and also deleted after an hour so that instances long gone do not linger.
    /// </summary>
    public static TopicSpec Topic(StreamsConfig config) => new(TopicName(config.ApplicationId), 1, config.ReplicationFactor, new Dictionary<string, string>
    {
        ["cleanup.policy"] = "compact,delete",
        ["retention.ms"] = "3600000",
        ["segment.ms"] = "600000",
    });

    public void Start()
    {
        _producer = new ProducerBuilder<string, string?>(StreamsClientSettings.DirectoryProducer(_config, _processId)).SetLogHandler(KafkaClientLog.To(_logger)).Build();
        _consumer = new ConsumerBuilder<string, string?>(StreamsClientSettings.DirectoryConsumer(_config, _processId)).SetLogHandler(KafkaClientLog.To(_logger)).Build();
        _consumer.Assign(new TopicPartitionOffset(_topic, 0, Offset.Beginning));
        _thread.Start();
    }

    /// <summary>The instances heard from within <see cref="ExpireAfter"/>, this one included once its first announcement is back.</summary>
    public IReadOnlyList<KnownInstance> Live()
    {
        var cutoff = _time.GetUtcNow() - ExpireAfter;
        return _known.Values.Where(instance => instance.Metadata.LastSeen >= cutoff).ToList();
    }

    /// <summary>The live instance, other than this one, that claims <paramref name="task"/> most recently; null if none.</summary>
    public KnownInstance? RemoteOwner(TaskId task)
    {
        KnownInstance? owner = null;
        var ownerSince = long.MinValue;
        foreach (var instance in Live())
        {
            if (!instance.Metadata.IsLocal && instance.ActiveSince.TryGetValue(task, out var since) && since > ownerSince)
            {
                owner = instance;
                ownerSince = since;
            }
        }

        return owner;
    }

    /// <summary>The live instances, other than this one, that keep a standby of <paramref name="task"/>, the least behind first.</summary>
    public IReadOnlyList<KnownInstance> RemoteStandbys(TaskId task) =>
        Live().Where(instance => !instance.Metadata.IsLocal && instance.StandbyLag.ContainsKey(task))
            .OrderBy(instance => instance.StandbyLag[task] ?? long.MaxValue).ToList();

    public void Dispose()
    {
        _stopping.Cancel();
        if (_thread.IsAlive)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }

        try
        {
            // A clean shutdown says so at once rather than leaving the others to wait for the announcement to expire.
            _producer?.Produce(new TopicPartition(_topic, 0), new Message<string, string?> { Key = _processId, Value = null });
            _producer?.Flush(TimeSpan.FromSeconds(5));
        }
        catch (KafkaException e)
        {
            _logger.LogWarning("Could not withdraw instance {ProcessId} from the directory: {Reason}", _processId, e.Error.Reason);
        }

        _consumer?.Close();
        _consumer?.Dispose();
        _producer?.Dispose();
        _stopping.Dispose();
    }

    private void Run()
    {
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                for (var record = _consumer!.Consume(TimeSpan.FromMilliseconds(50)); record is not null; record = _consumer.Consume(TimeSpan.Zero))
                {
                    Apply(record);
                }

                if (_hosted.Version != _announcedVersion || Stopwatch.GetElapsedTime(_lastAnnounceTicks) >= AnnounceInterval)
                {
                    Announce();
                }
            }
        }
        catch (Exception e) when (e is KafkaException or ObjectDisposedException)
        {
            _logger.LogError(e, "The instance directory of {ProcessId} stopped: {Reason}", _processId, e.Message);
        }
    }

    private void Announce()
    {
        _announcedVersion = _hosted.Version;
        _lastAnnounceTicks = Stopwatch.GetTimestamp();
        var active = _hosted.ActiveSnapshot().Select(task => new AnnouncedTask(task.Id.ToString(), task.SinceMs, task.Running, null)).ToList();
        var standby = _hosted.StandbySnapshot().Select(task => new AnnouncedTask(task.Id.ToString(), 0, true, task.LagRecords)).ToList();
        var announcement = new InstanceAnnouncement(_processId, _config.ApplicationServer, _time.GetUtcNow().ToUnixTimeMilliseconds(), active, standby);
        _producer!.Produce(
            new TopicPartition(_topic, 0),
            new Message<string, string?> { Key = _processId, Value = JsonSerializer.Serialize(announcement, Json) },
            report =>
            {
                if (report.Error.IsError)
                {
                    _logger.LogWarning("Instance {ProcessId} could not announce itself: {Reason}", _processId, report.Error.Reason);
                }
            });
    }

    private void Apply(ConsumeResult<string, string?> record)
    {
        var known = new Dictionary<string, KnownInstance>(_known, StringComparer.Ordinal);
        if (record.Message.Value is null)
        {
            known.Remove(record.Message.Key);
        }
        else if (Parse(record.Message.Value) is { } announcement)
        {
            known[announcement.ProcessId] = ToKnown(announcement);
        }

        _known = known;
    }

    private InstanceAnnouncement? Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<InstanceAnnouncement>(json, Json);
        }
        catch (JsonException e)
        {
            _logger.LogWarning("Skipped an unreadable announcement on {Topic}: {Reason}", _topic, e.Message);
            return null;
        }
    }

    private KnownInstance ToKnown(InstanceAnnouncement announcement)
    {
        var active = new Dictionary<TaskId, long>();
        foreach (var task in announcement.Active ?? [])
        {
            if (TryParseTask(task.Task, out var id))
            {
                active[id] = task.Since;
            }
        }

        var standby = new Dictionary<TaskId, long?>();
        foreach (var task in announcement.Standby ?? [])
        {
            if (TryParseTask(task.Task, out var id))
            {
                standby[id] = task.Lag;
            }
        }

        var metadata = new InstanceMetadata(
            announcement.ProcessId, announcement.Endpoint, active.Keys.Order().ToList(), standby.Keys.Order().ToList(),
            DateTimeOffset.FromUnixTimeMilliseconds(announcement.SentAtMs), announcement.ProcessId == _processId);
        return new KnownInstance(metadata, active, standby);
    }

    private static bool TryParseTask(string text, out TaskId id)
    {
        id = default;
        var separator = text.IndexOf('_', StringComparison.Ordinal);
        if (separator <= 0
            || !int.TryParse(text.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var subtopology)
            || !int.TryParse(text.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var partition))
        {
            return false;
        }

        id = new TaskId(subtopology, partition);
        return true;
    }
}
