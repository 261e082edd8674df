using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;

namespace Streams.Engine.Runtime;

/// <summary>
/// Deletes the records of repartition topics that a stream thread's commits have covered (Kafka's DeleteRecords), at
/// most once per <see cref="StreamsConfig.RepartitionPurgeIntervalMs"/>. Repartition topics are created with
/// <c>retention.ms=-1</c>: the broker's time retention judges a record by its timestamp, which is its event time, so a
/// backlog older than the retention would be deleted before the reading sub-topology got to it. Purging what is committed
/// keeps them small instead. One request is in flight at a time and the stream thread never waits for it; a cluster
/// without DeleteRecords (the embedded one) or a principal without the Delete ACL is logged once and left alone.
/// </summary>
internal sealed class RepartitionPurger
{
    private readonly IReadOnlySet<string> _topics;
    private readonly Func<IReadOnlyList<TopicPartitionOffset>, Task> _deleteRecords;
    private readonly long _intervalTicks;
    private readonly ILogger _logger;
    private readonly string _threadName;
    private readonly Dictionary<TopicPartition, long> _purgedTo = [];
    private List<TopicPartitionOffset>? _requested;
    private Task? _inFlight;
    private long _lastRequestTicks;
    private bool _unsupported;

    /// <param name="topics">The repartition topics; nothing else is ever purged.</param>
    /// <param name="deleteRecords">Deletes the records before each offset (an admin client's DeleteRecordsAsync).</param>
    public RepartitionPurger(
        IReadOnlySet<string> topics, Func<IReadOnlyList<TopicPartitionOffset>, Task> deleteRecords, TimeSpan interval, ILogger logger, string threadName)
    {
        _topics = topics;
        _deleteRecords = deleteRecords;
        _intervalTicks = (long)(interval.TotalSeconds * Stopwatch.Frequency);
        _logger = logger;
        _threadName = threadName;
        _lastRequestTicks = Stopwatch.GetTimestamp();
    }

    /// <summary>Whether the cluster refused DeleteRecords as unsupported or unauthorized, which stops further purging.</summary>
    public bool Unsupported => _unsupported;

    /// <summary>
    /// Called after each successful commit with the offsets it committed; purges the repartition partitions among them up
    /// to those offsets, if the interval has passed and no earlier purge is still running.
    /// </summary>
    public void Committed(IReadOnlyList<TopicPartitionOffset> committed)
    {
        if (_topics.Count == 0 || _unsupported)
        {
            return;
        }

        if (_inFlight is { } previous)
        {
            if (!previous.IsCompleted)
            {
                return;
            }

            Observe(previous);
            _inFlight = null;
            if (_unsupported)
            {
                return;
            }
        }

        var now = Stopwatch.GetTimestamp();
        if (now - _lastRequestTicks < _intervalTicks)
        {
            return;
        }

        List<TopicPartitionOffset>? purge = null;
        foreach (var offset in committed)
        {
            if (_topics.Contains(offset.Topic) && offset.Offset.Value > _purgedTo.GetValueOrDefault(offset.TopicPartition))
            {
                (purge ??= []).Add(offset);
            }
        }

        if (purge is null)
        {
            return;
        }

        _lastRequestTicks = now;
        _requested = purge;
        _inFlight = _deleteRecords(purge);
    }

    private void Observe(Task purge)
    {
        var requested = _requested!;
        _requested = null;
        if (purge.IsCompletedSuccessfully)
        {
            foreach (var offset in requested)
            {
                _purgedTo[offset.TopicPartition] = offset.Offset.Value;
            }

            _logger.LogDebug("{Thread} purged {Count} repartition partition(s) up to their committed offsets", _threadName, requested.Count);
            return;
        }

        var error = purge.Exception?.GetBaseException();
        if (error is DeleteRecordsException partial)
        {
            foreach (var result in partial.Results.Where(result => result.Error.Code == ErrorCode.NoError))
            {
                _purgedTo[new TopicPartition(result.Topic, result.Partition)] = result.Offset.Value;
            }

            error = partial.Results.FirstOrDefault(result => result.Error.Code != ErrorCode.NoError) is { } failed ? new KafkaException(failed.Error) : partial;
        }

        if (error is KafkaException { Error.Code: ErrorCode.Local_UnsupportedFeature or ErrorCode.UnsupportedVersion or ErrorCode.InvalidRequest })
        {
            _unsupported = true;
            _logger.LogInformation(
                "{Thread} stops purging repartition topics: the cluster does not support DeleteRecords ({Reason}); they keep every record",
                _threadName, error.Message);
            return;
        }

        if (error is KafkaException { Error.Code: ErrorCode.TopicAuthorizationFailed })
        {
            _unsupported = true;
            _logger.LogWarning(
                "{Thread} stops purging repartition topics: the worker may not delete their records ({Reason}); they keep every record until the "
                + "Delete ACL on the internal topics is granted and the worker restarted", _threadName, error.Message);
            return;
        }

        // Retried at the next interval with the offsets committed by then.
        _logger.LogWarning("{Thread} could not purge repartition topics: {Reason}", _threadName, error?.Message);
    }
}
