namespace Streams.Engine.Serialization;

/// <summary>
/// Bytes that cannot be turned into the expected type. The runtime treats it as a deserialization error and applies
/// the configured policy (dead-letter, skip or fail) instead of stopping on it.
/// </summary>
public class SerializationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SerializationException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
