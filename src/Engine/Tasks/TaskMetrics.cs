using Streams.Engine.Metrics;

namespace Streams.Engine.Tasks;

/// <summary>The metrics a task records as records pass through it.</summary>
public static class TaskMetrics
{
    public static readonly MetricDescriptor RecordsConsumed =
        MetricDescriptor.Counter("streams_records_consumed_total", "records", "Input records processed.", "topic");

    public static readonly MetricDescriptor RecordsProduced =
        MetricDescriptor.Counter("streams_records_produced_total", "records", "Records written to output topics.", "topic");

    public static readonly MetricDescriptor EndToEndLatency = MetricDescriptor.Histogram(
        "streams_e2e_latency_seconds",
        "From a record's event time to the send of the output it caused, by output topic. Under exactly-once a read_committed consumer sees the output "
        + "when its transaction commits: up to a commit interval plus a commit's duration (streams_commit_duration_seconds) later.",
        MetricDescriptor.LatencyBuckets,
        "topic");

    public static readonly MetricDescriptor DeadLetters = MetricDescriptor.Counter(
        "streams_dead_letters_total", "records", "Records sent to the dead-letter topic, by the topic they came from.", "topic");

    public static readonly MetricDescriptor RecordsSkipped = MetricDescriptor.Counter(
        "streams_records_skipped_total", "records", "Records dropped under the skip error policy, by the topic they came from.", "topic");

    public static readonly MetricDescriptor Punctuations =
        MetricDescriptor.Counter("streams_punctuations_total", "runs", "Punctuator runs (stream time and wall clock), by task.", "task");
}
