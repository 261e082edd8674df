using Confluent.Kafka;

namespace Streams.Engine.Processor;

/// <summary>
/// One record flowing through the processor graph: key, value, event timestamp (milliseconds since the epoch) and
/// headers. A struct so that forwarding does not allocate.
/// </summary>
/// <remarks>
/// Headers are shared, not copied, when a record is forwarded to several children: a processor that changes headers
/// must give its output a new <see cref="Headers"/> instance.
/// </remarks>
public readonly struct Record<TKey, TValue>
{
    /// <summary>Creates a record.</summary>
    public Record(TKey key, TValue value, long timestamp, Headers? headers = null)
    {
        Key = key;
        Value = value;
        Timestamp = timestamp;
        Headers = headers;
    }

    /// <summary>The key; null keys are dropped by stateful operations.</summary>
    public TKey Key { get; }

    /// <summary>The value.</summary>
    public TValue Value { get; }

    /// <summary>Event time in milliseconds since the Unix epoch.</summary>
    public long Timestamp { get; }

    /// <summary>The headers, or null when the record has none.</summary>
    public Headers? Headers { get; }

    /// <summary>The same record with another key.</summary>
    public Record<TNewKey, TValue> WithKey<TNewKey>(TNewKey key) => new(key, Value, Timestamp, Headers);

    /// <summary>The same record with another value.</summary>
    public Record<TKey, TNewValue> WithValue<TNewValue>(TNewValue value) => new(Key, value, Timestamp, Headers);

    /// <summary>The same record with another key and value.</summary>
    public Record<TNewKey, TNewValue> With<TNewKey, TNewValue>(TNewKey key, TNewValue value) =>
        new(key, value, Timestamp, Headers);

    /// <summary>The same record with another timestamp.</summary>
    public Record<TKey, TValue> WithTimestamp(long timestamp) => new(Key, Value, timestamp, Headers);

    /// <summary>The same record with other headers.</summary>
    public Record<TKey, TValue> WithHeaders(Headers? headers) => new(Key, Value, Timestamp, headers);

    /// <inheritdoc />
    public override string ToString() => $"Record({Key}, {Value}, ts={Timestamp})";
}
