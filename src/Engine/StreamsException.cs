namespace Streams.Engine;

/// <summary>An error that stops a stream thread: the runtime moves to its error state with this as the reason.</summary>
public class StreamsException(string message, Exception? innerException = null) : Exception(message, innerException);
