using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Personalization.Worker.Hosting;
using Personalization.Worker.Publishing;
using Streams.Engine.Runtime;

namespace Personalization.Worker.WebConsole;

/// <summary>
/// Writes a forget request for a user to <c>users.forget</c> (key: the user, an empty value), partitioned like every
/// other producer to the worker's inputs, for the console's "forget this user". The producer is made on first use.
/// </summary>
internal sealed class ForgetRequester(KafkaConnection connection, WorkerSettings settings, ILogger<ForgetRequester> logger) : IDisposable
{
    private readonly Lazy<IProducer<string, byte[]>> _producer = new(() =>
        new ProducerBuilder<string, byte[]>(InputProducerConfig.For(connection.BootstrapServers, settings.Kafka.Client)).SetLogHandler(KafkaClientLog.To(logger)).Build());

    public async Task<TopicPartitionOffset> ForgetAsync(string userId, CancellationToken cancellationToken)
    {
        var delivery = await _producer.Value.ProduceAsync(
            settings.Topics.Forget, new Message<string, byte[]> { Key = userId, Value = [], Timestamp = new Timestamp(DateTimeOffset.UtcNow) }, cancellationToken);
        return delivery.TopicPartitionOffset;
    }

    public void Dispose()
    {
        if (_producer.IsValueCreated)
        {
            _producer.Value.Flush(TimeSpan.FromSeconds(5));
            _producer.Value.Dispose();
        }
    }
}
