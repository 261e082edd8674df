namespace Streams.Engine.Runtime;

/// <summary>An error that stops a stream thread: the runtime moves to its error state with this as the reason.</summary>
public class StreamsException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>A processor threw while processing a record; <see cref="Processor"/> names the node.</summary>
public sealed class ProcessorException(string processor, Exception innerException)
    : StreamsException($"Processor '{processor}' failed: {innerException.Message}", innerException)
{
    /// <summary>The node that threw.</summary>
    public string Processor { get; } = processor;
}

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
