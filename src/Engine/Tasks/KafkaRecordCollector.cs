using System.Collections.Concurrent;
using Confluent.Kafka;

namespace Streams.Engine.Tasks;

/// <summary>
/// Sends a thread's output (sinks, changelogs, dead letters) through its producer. Delivery is asynchronous; the first
/// failed delivery is kept and thrown at the next check (before every commit), which stops the thread, so a record is
/// never reported committed when its output was lost. It also remembers the last acknowledged offset of each changelog
/// partition, which checkpoints record.
/// </summary>
internal sealed class KafkaRecordCollector : IRecordCollector
{
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly IReadOnlySet<string> _changelogTopics;
    private readonly ConcurrentDictionary<(string Topic, int Partition), long> _changelogOffsets = new();
    private readonly Action<DeliveryReport<byte[], byte[]>> _onDelivery;

    // One message for every send: Produce copies key, value and headers into librdkafka before it returns and keeps no
    // reference to the message (delivery reports carry no key or value), and only the stream thread sends.
    private readonly Message<byte[], byte[]> _message = new();
    private Exception? _failure;

    public KafkaRecordCollector(IProducer<byte[], byte[]> producer, IReadOnlySet<string> changelogTopics)
    {
        _producer = producer;
        _changelogTopics = changelogTopics;
        _onDelivery = OnDelivery;
    }

    public void Send(string topic, byte[]? key, byte[]? value, Headers? headers, long timestamp, int? partition)
    {
        var message = _message;
        message.Key = key!;
        message.Value = value!;
        message.Headers = headers!;
        message.Timestamp = new Timestamp(timestamp, TimestampType.CreateTime);
        while (true)
        {
            try
            {
                if (partition is { } explicitPartition)
                {
                    _producer.Produce(new TopicPartition(topic, explicitPartition), message, _onDelivery);
                }
                else
                {
                    _producer.Produce(topic, message, _onDelivery);
                }

                return;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                // The producer's queue is full: wait for deliveries to drain it.
                Thread.Sleep(1);
            }
        }
    }

    /// <summary>The last acknowledged offset written to a changelog partition, if any.</summary>
    public long? ChangelogOffset(string topic, int partition) =>
        _changelogOffsets.TryGetValue((topic, partition), out var offset) ? offset : null;

    public void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            throw new StreamsException($"A record could not be produced: {failure.Message}", failure);
        }
    }

    private void OnDelivery(DeliveryReport<byte[], byte[]> report)
    {
        // Aborting a transaction purges its unsent records: they are processed again, nothing is lost.
        if (report.Error.Code is ErrorCode.Local_PurgeQueue or ErrorCode.Local_PurgeInflight)
        {
            return;
        }

        if (report.Error.IsError)
        {
            Interlocked.CompareExchange(ref _failure, new KafkaException(report.Error), null);
            return;
        }

        if (_changelogTopics.Contains(report.Topic))
        {
            var offset = report.Offset.Value;
            _changelogOffsets.AddOrUpdate((report.Topic, report.Partition.Value), static (_, offset) => offset, static (_, old, offset) => Math.Max(old, offset), offset);
        }
    }
}
