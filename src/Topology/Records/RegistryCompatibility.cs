using Streams.Avro.SchemaRegistry;

namespace Personalization.Topology.Records;

/// <summary>Checks the current schemas against what a schema registry already holds for each topic's subject.</summary>
public static class RegistryCompatibility
{
    /// <summary>
    /// Asks <paramref name="registry"/> whether each topic's current value schema could be registered as the next
    /// version of its <c>&lt;topic&gt;-value</c> subject. The result lists every subject with the registry's answer.
    /// </summary>
    public static async Task<IReadOnlyList<(string Subject, CompatibilityResult Result)>> CheckAsync(
        ISchemaRegistry registry, TopicOptions topics, CancellationToken cancellationToken)
    {
        var results = new List<(string, CompatibilityResult)>();
        foreach (var (topic, schema) in topics.ValueSchemas())
        {
            var subject = Subjects.For(SubjectNameStrategy.Topic, topic, isKey: false, schema.Fullname);
            results.Add((subject, await registry.CheckCompatibilityAsync(subject, schema.ToString(), cancellationToken)));
        }

        return results;
    }
}
