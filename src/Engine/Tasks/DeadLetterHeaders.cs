namespace Streams.Engine.Tasks;

/// <summary>The headers a dead letter carries besides the original record's own.</summary>
public static class DeadLetterHeaders
{
    /// <summary>"deserialization" or "processing".</summary>
    public const string Stage = "streams.error.stage";

    /// <summary>The exception type of the root cause.</summary>
    public const string ErrorType = "streams.error.type";

    /// <summary>The error message.</summary>
    public const string ErrorMessage = "streams.error.message";

    /// <summary>The processor that failed, when processing failed.</summary>
    public const string Processor = "streams.error.processor";

    /// <summary>The application that dead-lettered the record.</summary>
    public const string ApplicationId = "streams.application.id";

    /// <summary>The topic the record was read from.</summary>
    public const string SourceTopic = "streams.source.topic";

    /// <summary>The partition it was read from (decimal text).</summary>
    public const string SourcePartition = "streams.source.partition";

    /// <summary>Its offset (decimal text).</summary>
    public const string SourceOffset = "streams.source.offset";

    /// <summary>Its timestamp in epoch milliseconds (decimal text).</summary>
    public const string SourceTimestamp = "streams.source.timestamp";
}
