namespace Streams.Avro.SchemaRegistry;

/// <summary>How the subject for a topic's keys or values is named.</summary>
public enum SubjectNameStrategy
{
    /// <summary><c>&lt;topic&gt;-value</c> / <c>&lt;topic&gt;-key</c>, Confluent's default.</summary>
    Topic,

    /// <summary>The record's full name.</summary>
    Record,

    /// <summary><c>&lt;topic&gt;-&lt;record full name&gt;</c>.</summary>
    TopicRecord,
}
