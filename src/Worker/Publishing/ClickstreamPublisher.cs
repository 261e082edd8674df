using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Personalization.Simulation;
using Personalization.Topology;
using Personalization.Topology.Records;
using Streams.Engine.Runtime;

namespace Personalization.Worker.Publishing;

/// <summary>
/// Produces generated records to Kafka: events to the clickstream topic, decisions and rewards to theirs, keyed by
/// user id, Avro in the wire format, at a target rate (or as fast as the producer takes them).
/// </summary>
/// <param name="logger">Where the producer's librdkafka log lines go; librdkafka writes them to stderr without one.</param>
internal sealed class ClickstreamPublisher(
    string bootstrapServers, RecordSerdes serdes, TopicOptions topics, IReadOnlyDictionary<string, string>? clientConfig = null, ILogger? logger = null)
{
    /// <summary>How far ahead of the wall clock a record may be sent when replaying in real time.</summary>
    private static readonly TimeSpan RealTimeSlack = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Produces records until <paramref name="maxRecords"/> are sent, <paramref name="duration"/> has passed, or
    /// cancellation. <paramref name="ratePerSecond"/> 0 means unthrottled. With <paramref name="realTime"/> each record
    /// waits until the wall clock reaches its event time, so event time and wall time agree (the records must start at
    /// about now). Returns the number sent.
    /// </summary>
    public async Task<long> PublishAsync(
        IEnumerable<GeneratedRecord> records, double ratePerSecond, long maxRecords, TimeSpan? duration, CancellationToken cancellationToken, bool realTime = false)
    {
        var config = InputProducerConfig.For(bootstrapServers, clientConfig);
        config.LingerMs = 5;
        config.CompressionType = CompressionType.Lz4;
        var builder = new ProducerBuilder<string, byte[]>(config);
        if (logger is not null)
        {
            builder.SetLogHandler(KafkaClientLog.To(logger));
        }

        using var producer = builder.Build();
        await serdes.PrepareAsync(topics, cancellationToken);

        var stopwatch = Stopwatch.StartNew();
        long sent = 0;
        Exception? failure = null;
        void OnDelivery(DeliveryReport<string, byte[]> report)
        {
            if (report.Error.Code is ErrorCode.Local_UnknownTopic or ErrorCode.UnknownTopicOrPart)
            {
                failure ??= new InvalidOperationException($"topic '{report.Topic}' does not exist; create the worker's topics first (the topics command).");
            }
            else if (report.Error.IsError)
            {
                failure ??= new ProduceException<string, byte[]>(report.Error, report);
            }
        }

        foreach (var record in records)
        {
            if (sent >= maxRecords || cancellationToken.IsCancellationRequested || (duration is { } limit && stopwatch.Elapsed >= limit))
            {
                break;
            }

            if (failure is not null)
            {
                throw new InvalidOperationException($"Producing to {bootstrapServers} failed: {failure.Message}", failure);
            }

            if (realTime && record.Timestamp - DateTimeOffset.UtcNow is var due && due > RealTimeSlack)
            {
                await Task.Delay(due, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
                if (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
            }

            var (topic, value) = record.Serialize(serdes, topics);
            var message = new Message<string, byte[]> { Key = record.Key, Value = value, Timestamp = new Timestamp(record.Timestamp) };
            while (true)
            {
                try
                {
                    producer.Produce(topic, message, OnDelivery);
                    break;
                }
                catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(50));
                }
            }

            sent++;
            if (ratePerSecond > 0 && sent % 64 == 0)
            {
                var ahead = TimeSpan.FromSeconds(sent / ratePerSecond) - stopwatch.Elapsed;
                if (ahead > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(ahead, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
                }
            }
        }

        producer.Flush(TimeSpan.FromSeconds(30));
        if (failure is not null)
        {
            throw new InvalidOperationException($"Producing to {bootstrapServers} failed: {failure.Message}", failure);
        }

        return sent;
    }
}
