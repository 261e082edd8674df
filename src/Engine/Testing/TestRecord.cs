using Confluent.Kafka;

namespace Streams.Engine.Testing;

/// <summary>A record read from a test output topic.</summary>
public sealed record TestRecord<TKey, TValue>(TKey Key, TValue Value, long Timestamp, Headers? Headers)
{
    /// <summary>The record's headers as UTF-8 strings (last value wins per key).</summary>
    public IReadOnlyDictionary<string, string> HeaderStrings =>
        (Headers ?? []).GroupBy(header => header.Key)
            .ToDictionary(group => group.Key, group => System.Text.Encoding.UTF8.GetString(group.Last().GetValueBytes()));
}
