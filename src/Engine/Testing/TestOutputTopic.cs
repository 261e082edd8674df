using Confluent.Kafka;
using Streams.Engine.Serialization;

namespace Streams.Engine.Testing;

/// <summary>Reads typed records from a topic of a <see cref="TopologyTestDriver"/>. Each record is read once.</summary>
public sealed class TestOutputTopic<TKey, TValue>
{
    private readonly TopologyTestDriver _driver;
    private readonly string _topic;
    private readonly ISerde<TKey> _keySerde;
    private readonly ISerde<TValue> _valueSerde;

    internal TestOutputTopic(TopologyTestDriver driver, string topic, ISerde<TKey> keySerde, ISerde<TValue> valueSerde)
    {
        _driver = driver;
        _topic = topic;
        _keySerde = keySerde;
        _valueSerde = valueSerde;
    }

    /// <summary>True when every record written so far has been read.</summary>
    public bool IsEmpty => _driver.Unread(_topic) == 0;

    /// <summary>How many records are written but not read yet.</summary>
    public int QueueSize => _driver.Unread(_topic);

    /// <summary>Reads the next record; throws when there is none.</summary>
    public TestRecord<TKey, TValue> ReadRecord()
    {
        if (!_driver.TryRead(_topic, out var record))
        {
            throw new InvalidOperationException($"Topic '{_topic}' has no unread record.");
        }

        var key = _keySerde.Deserialize(record.Key, record.Key is null, new SerializationContext(MessageComponentType.Key, _topic, record.Headers));
        var value = _valueSerde.Deserialize(record.Value, record.Value is null, new SerializationContext(MessageComponentType.Value, _topic, record.Headers));
        return new TestRecord<TKey, TValue>(key, value, record.Timestamp, record.Headers);
    }

    /// <summary>Reads the next record's key and value.</summary>
    public KeyValuePair<TKey, TValue> ReadKeyValue()
    {
        var record = ReadRecord();
        return new KeyValuePair<TKey, TValue>(record.Key, record.Value);
    }

    /// <summary>Reads the next record's value.</summary>
    public TValue ReadValue() => ReadRecord().Value;

    /// <summary>Reads every unread record.</summary>
    public List<TestRecord<TKey, TValue>> ReadRecordsToList()
    {
        var records = new List<TestRecord<TKey, TValue>>();
        while (!IsEmpty)
        {
            records.Add(ReadRecord());
        }

        return records;
    }

    /// <summary>Reads the values of every unread record.</summary>
    public List<TValue> ReadValuesToList() => ReadRecordsToList().ConvertAll(r => r.Value);

    /// <summary>Reads every unread record as key-value pairs.</summary>
    public List<KeyValuePair<TKey, TValue>> ReadKeyValuesToList() =>
        ReadRecordsToList().Select(record => new KeyValuePair<TKey, TValue>(record.Key, record.Value)).ToList();
}
