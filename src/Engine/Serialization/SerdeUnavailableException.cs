namespace Streams.Engine.Serialization;

/// <summary>
/// A serde could not reach something it depends on (a schema registry, for instance). The record itself may be fine,
/// so the runtime does not dead-letter it: the stream thread stops with this error instead, and a restart retries.
/// </summary>
public sealed class SerdeUnavailableException(string message, Exception? innerException = null) : Exception(message, innerException);
