namespace Streams.Engine.Tasks;

/// <summary>A processor threw while processing a record; <see cref="Processor"/> names the node.</summary>
public sealed class ProcessorException(string processor, Exception innerException)
    : StreamsException($"Processor '{processor}' failed: {innerException.Message}", innerException)
{
    /// <summary>The node that threw.</summary>
    public string Processor { get; } = processor;
}
