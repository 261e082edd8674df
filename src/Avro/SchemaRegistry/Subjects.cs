namespace Streams.Avro.SchemaRegistry;

/// <summary>Subject names as Confluent's serializers form them.</summary>
public static class Subjects
{
    /// <summary>The subject for <paramref name="topic"/>'s keys or values holding records named <paramref name="recordFullName"/>.</summary>
    public static string For(SubjectNameStrategy strategy, string topic, bool isKey, string recordFullName) => strategy switch
    {
        SubjectNameStrategy.Record => recordFullName,
        SubjectNameStrategy.TopicRecord => $"{topic}-{recordFullName}",
        _ => isKey ? $"{topic}-key" : $"{topic}-value",
    };
}
