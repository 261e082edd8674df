using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Streams.Engine.Metrics;
using Streams.Engine.Processor;

namespace Streams.Engine.State;

/// <summary>What a store needs from its task when it opens.</summary>
internal sealed record StateStoreContext(
    string ApplicationId,
    TaskId TaskId,
    string TaskStateDirectory,
    IChangelogWriter ChangelogWriter,
    StreamsMetrics Metrics,
    RecordCache? Cache = null,
    ILogger? Logger = null)
{
    /// <summary>The changelog topic of a store, which also names the serialization context of its keys and values.</summary>
    public string ChangelogTopic(string storeName) => ChangelogTopicName(ApplicationId, storeName);

    public static string ChangelogTopicName(string applicationId, string storeName) => $"{applicationId}-{storeName}-changelog";

    /// <summary>The changelog partition of a store of the task reading <paramref name="partition"/>.</summary>
    public static TopicPartition ChangelogPartition(string applicationId, string storeName, int partition) =>
        new(ChangelogTopicName(applicationId, storeName), partition);
}
