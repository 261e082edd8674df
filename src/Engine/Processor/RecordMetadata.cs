using Confluent.Kafka;

namespace Streams.Engine.Processor;

/// <summary>The source coordinates of the record being processed.</summary>
/// <param name="Topic">The topic it was read from.</param>
/// <param name="Partition">The partition it was read from.</param>
/// <param name="Offset">Its offset in that partition.</param>
/// <param name="Timestamp">Its timestamp as read (before any processor changed it).</param>
/// <param name="Headers">Its headers as read, or null.</param>
public readonly record struct RecordMetadata(string Topic, int Partition, long Offset, long Timestamp, Headers? Headers);
