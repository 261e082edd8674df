namespace Streams.Avro.SchemaRegistry;

/// <summary>
/// A schema registry refused or failed a request. The message names the subject (or schema id) and the HTTP status;
/// <see cref="ErrorCode"/> is Confluent's finer code (40401 subject not found, 40403 schema not found, 409 incompatible,
/// 42201 invalid schema, ...).
/// </summary>
public sealed class SchemaRegistryException(string message, string? subject, int? statusCode, int? errorCode, Exception? innerException = null)
    : Exception(message, innerException)
{
    /// <summary>The subject the request was about, if any.</summary>
    public string? Subject { get; } = subject;

    /// <summary>The HTTP status, or null if no response arrived.</summary>
    public int? StatusCode { get; } = statusCode;

    /// <summary>Confluent's error code from the response body, if one was given.</summary>
    public int? ErrorCode { get; } = errorCode;

    /// <summary>The subject, version or schema does not exist (HTTP 404).</summary>
    public bool IsNotFound => StatusCode == 404;
}
