using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Personalization.Topology.Records;
using Personalization.Worker.Hosting;
using Streams.Engine.Metrics;
using Streams.Engine.Queries;
using Streams.Engine.Runtime;

namespace Personalization.Worker.Queries;

/// <summary>
/// <c>GET /v1/users/{userId}/history</c>: a user's recent records read back from the topics, for the console's user
/// inspector and for anyone asking "why did this user get this score?". The topics are the history: nothing is kept
/// for it while nobody asks, so it costs the processing nothing. A request reads, from each topic, the one partition
/// that holds the user (keys are partitioned by murmur2, as every producer to the worker's topics does), from at most
/// <see cref="QueryOptions.HistoryScanRecords"/> records before its end, and decodes only the user's records. Any
/// instance answers, whichever holds the user's task. At most two requests read at a time; more wait.
/// </summary>
internal sealed partial class UserHistoryReader(
    KafkaConnection connection, WorkerSettings settings, RecordSerdes serdes, StreamsService streams, StreamsMetrics metrics, ILogger<UserHistoryReader> logger)
    : IDisposable
{
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _readers = new(2);
    private readonly Histogram _duration = metrics.Histogram(QueryMetrics.Duration, "history");

    public async Task<UserHistoryResponse> ReadAsync(string userId, int limit, CancellationToken cancellationToken)
    {
        await _readers.WaitAsync(cancellationToken);
        try
        {
            var started = Stopwatch.GetTimestamp();
            var answer = await Task.Run(() => Read(userId, limit, cancellationToken), cancellationToken);
            _duration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
            return answer;
        }
        finally
        {
            _readers.Release();
        }
    }

    public void Dispose() => _readers.Dispose();

    private UserHistoryResponse Read(string userId, int limit, CancellationToken cancellationToken)
    {
        var topics = settings.Topics;
        var events = new Search<ClickEvent>(topics.Clickstream, limit, Records(serdes.ClickEvent));
        var fraud = new Search<Score>(topics.FraudScores, limit, Records(serdes.Score));
        var propensity = new Search<Score>(topics.PropensityScores, limit, Records(serdes.Score));
        var attributes = new Search<AttributeHistoryEntry>(topics.Attributes, limit, (bytes, timestamp, context) =>
        {
            if (bytes is null)
            {
                return new AttributeHistoryEntry(timestamp, true, [], null);
            }

            var update = serdes.AttributeUpdate.Deserialize(bytes, false, context);
            return new AttributeHistoryEntry(update.Timestamp, false, update.Changes, update.Attributes);
        });
        var training = new Search<TrainingRecord>(topics.Training, limit, Records(serdes.TrainingRecord));
        var triggers = new Search<Trigger>(topics.Triggers, limit, Records(serdes.Trigger));
        ISearch[] searches = [events, fraud, propensity, attributes, training, triggers];

        var key = Encoding.UTF8.GetBytes(userId);
        var config = new ConsumerConfig(settings.Kafka.Client.ToDictionary())
        {
            BootstrapServers = connection.BootstrapServers,
            // The consumer only assigns partitions: it never joins this group nor commits to it.
            GroupId = settings.Streams.ApplicationId + "-history",
            EnableAutoCommit = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnablePartitionEof = true,
            AllowAutoCreateTopics = false,
        };
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).SetLogHandler(KafkaClientLog.To(logger)).Build();
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var metadata = admin.GetMetadata(MetadataTimeout).Topics.ToDictionary(t => t.Topic, StringComparer.Ordinal);
        var assigned = new List<TopicPartitionOffset>();
        foreach (var search in searches)
        {
            if (!metadata.TryGetValue(search.Topic, out var topic) || topic.Error.IsError || topic.Partitions.Count == 0)
            {
                search.Absent();
                continue;
            }

            var partition = new TopicPartition(search.Topic, KeyPartitioner.Partition(key, topic.Partitions.Count));
            var marks = consumer.QueryWatermarkOffsets(partition, MetadataTimeout);
            search.Open(partition.Partition.Value, marks.Low.Value, marks.High.Value, settings.Queries.HistoryScanRecords);
            if (!search.Done)
            {
                assigned.Add(new TopicPartitionOffset(partition, search.From));
            }
        }

        var byTopic = searches.ToDictionary(s => s.Topic, StringComparer.Ordinal);
        consumer.Assign(assigned);
        var deadline = Stopwatch.GetTimestamp() + (long)(settings.Queries.HistoryTimeout.TotalSeconds * Stopwatch.Frequency);
        while (searches.Any(s => !s.Done) && Stopwatch.GetTimestamp() < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is null || !byTopic.TryGetValue(result.Topic, out var search))
            {
                continue;
            }

            if (result.IsPartitionEOF)
            {
                search.ReachedPosition(result.Offset.Value);
                continue;
            }

            search.Scanned(result.Message.Timestamp.UtcDateTime);
            if (result.Message.Key is { } recordKey && recordKey.AsSpan().SequenceEqual(key))
            {
                search.Add(result.Message.Value, result.Message.Timestamp.UtcDateTime);
            }

            search.ReachedPosition(result.Offset.Value + 1);
        }

        foreach (var search in searches.Where(s => !s.Done))
        {
            LogHistoryTimedOut(userId, search.Topic, settings.Queries.HistoryTimeout.TotalSeconds);
            search.TimedOut(settings.Queries.HistoryTimeout);
        }

        consumer.Close();
        return new UserHistoryResponse(
            userId, AnsweringInstance.Of(streams),
            events.Newest(), fraud.Newest(), propensity.Newest(), attributes.Newest(), training.Newest(), triggers.Newest(),
            [.. searches.Select(s => s.Scan())]);
    }

    /// <summary>Decodes a topic's values as records of its type; a tombstone is no record.</summary>
    private static Func<byte[]?, DateTimeOffset, SerializationContext, T?> Records<T>(IDeserializer<T> serde)
        where T : class =>
        (bytes, _, context) => bytes is null ? null : serde.Deserialize(bytes, false, context);

    [LoggerMessage(Level = LogLevel.Warning, Message = "History of {UserId}: reading {Topic} took over {Seconds} s; its answer is partial")]
    private partial void LogHistoryTimedOut(string userId, string topic, double seconds);

    private interface ISearch
    {
        string Topic { get; }

        bool Done { get; }

        long From { get; }

        void Absent();

        void Open(int partition, long low, long high, int budget);

        void Scanned(DateTime timestamp);

        void Add(byte[]? value, DateTime timestamp);

        void ReachedPosition(long position);

        void TimedOut(TimeSpan limit);

        TopicScan Scan();
    }

    /// <summary>The search of one topic's partition: the user's records found in it, the newest <c>limit</c> kept.</summary>
    /// <remarks>A null value (a tombstone) reaches <paramref name="decode"/> too; it returns null for a record to skip.</remarks>
    private sealed class Search<T>(string topic, int limit, Func<byte[]?, DateTimeOffset, SerializationContext, T?> decode) : ISearch
        where T : class
    {
        private readonly Queue<T> _found = new();
        private readonly SerializationContext _context = new(MessageComponentType.Value, topic);
        private int? _partition;
        private long _low;
        private long _end;
        private long _position;
        private long _records;
        private long _unreadable;
        private DateTimeOffset? _firstAt;
        private string? _note;

        public string Topic => topic;

        public bool Done { get; private set; }

        public long From { get; private set; }

        public void Absent()
        {
            _note = "the topic does not exist on the cluster";
            Done = true;
        }

        public void Open(int partition, long low, long high, int budget)
        {
            _partition = partition;
            _low = low;
            _end = high;
            From = Math.Max(low, high - budget);
            _position = From;
            Done = From >= high;
            if (From > low)
            {
                _note = $"only the last {budget} records were searched (Queries:HistoryScanRecords)";
            }
        }

        public void Scanned(DateTime timestamp)
        {
            _records++;
            _firstAt ??= new DateTimeOffset(timestamp, TimeSpan.Zero);
        }

        public void Add(byte[]? value, DateTime timestamp)
        {
            T? found;
            try
            {
                found = decode(value, new DateTimeOffset(timestamp, TimeSpan.Zero), _context);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _unreadable++;
                _note ??= $"a record could not be decoded: {e.Message}";
                return;
            }

            if (found is null)
            {
                return;
            }

            _found.Enqueue(found);
            if (_found.Count > limit)
            {
                _found.Dequeue();
            }
        }

        public void ReachedPosition(long position)
        {
            _position = Math.Max(_position, position);
            Done |= _position >= _end;
        }

        public void TimedOut(TimeSpan limit)
        {
            _note ??= $"stopped at offset {_position} after {limit.TotalSeconds:0.#} s: a transaction may still be open, or the broker is slow";
            Done = true;
        }

        public List<T> Newest()
        {
            var newest = _found.ToList();
            newest.Reverse();
            return newest;
        }

        public TopicScan Scan() => new(topic, _partition, From, _position, _records, _firstAt, _partition is not null && From == _low && _position >= _end, _unreadable, _note);
    }
}
