namespace Streams.Engine.Tasks;

/// <summary>A record's key or value could not be deserialized by its source.</summary>
public sealed class RecordDeserializationException(string topic, int partition, long offset, Exception innerException)
    : StreamsException($"Cannot deserialize the record at {topic}[{partition}]@{offset}: {innerException.Message}", innerException)
{
    /// <summary>The source topic.</summary>
    public string Topic { get; } = topic;

    /// <summary>The source partition.</summary>
    public int Partition { get; } = partition;

    /// <summary>The source offset.</summary>
    public long Offset { get; } = offset;
}
