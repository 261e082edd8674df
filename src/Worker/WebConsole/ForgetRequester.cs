using Confluent.Kafka;
using Personalization.Worker.Hosting;

namespace Personalization.Worker.WebConsole;

/// <summary>
/// Writes a forget request for a user to <c>users.forget</c> (key: the user, an empty value), partitioned like every
/// other producer to the worker's inputs, for the console's "forget this user". The producer is made on first use.
/// </summary>
internal sealed class ForgetRequester(KafkaConnection connection, WorkerSettings settings) : IDisposable
{
    private readonly Lazy<IProducer<string, byte[]>> _producer = new(() => new ProducerBuilder<string, byte[]>(
        new ProducerConfig(settings.Kafka.Client.ToDictionary())
        {
            BootstrapServers = connection.BootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            // murmur2 of the key, as the worker's own producers: the request must reach the partition that holds the user.
            Partitioner = Partitioner.Murmur2Random,
            AllowAutoCreateTopics = false,
        }).Build());

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
