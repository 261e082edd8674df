using Confluent.Kafka;
using Streams.Engine.Serialization;

namespace Streams.Engine.Testing;

/// <summary>Pipes typed records into a topic of a <see cref="TopologyTestDriver"/>.</summary>
public sealed class TestInputTopic<TKey, TValue>
{
    private readonly TopologyTestDriver _driver;
    private readonly string _topic;
    private readonly ISerde<TKey> _keySerde;
    private readonly ISerde<TValue> _valueSerde;

    internal TestInputTopic(TopologyTestDriver driver, string topic, ISerde<TKey> keySerde, ISerde<TValue> valueSerde)
    {
        _driver = driver;
        _topic = topic;
        _keySerde = keySerde;
        _valueSerde = valueSerde;
    }

    /// <summary>Pipes one record; without a timestamp it gets the driver's current wall-clock time.</summary>
    public void PipeInput(TKey key, TValue value, long? timestamp = null, Headers? headers = null)
    {
        var keyBytes = _keySerde.Serialize(key, new SerializationContext(MessageComponentType.Key, _topic, headers));
        var valueBytes = _valueSerde.Serialize(value, new SerializationContext(MessageComponentType.Value, _topic, headers));
        PipeRaw(keyBytes, valueBytes, timestamp, headers);
    }

    /// <summary>Pipes one record at a <see cref="DateTimeOffset"/>.</summary>
    public void PipeInput(TKey key, TValue value, DateTimeOffset timestamp, Headers? headers = null) =>
        PipeInput(key, value, timestamp.ToUnixTimeMilliseconds(), headers);

    /// <summary>Pipes bytes as they are, e.g. a payload that is not valid for the value serde.</summary>
    public void PipeRaw(byte[]? key, byte[]? value, long? timestamp = null, Headers? headers = null) =>
        _driver.Pipe(_topic, key, value, timestamp ?? _driver.WallClock.ToUnixTimeMilliseconds(), headers);
}
