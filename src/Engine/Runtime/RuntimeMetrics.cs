using Streams.Engine.Metrics;

namespace Streams.Engine.Runtime;

/// <summary>The metrics the runtime records: a thread's rebalances and commits, and restoration per store and task.</summary>
public static class RuntimeMetrics
{
    public static readonly MetricDescriptor Rebalances = MetricDescriptor.Counter(
        "streams_rebalances_total", "assignments", "Assignments a stream thread received (one per rebalance, even an unchanged one).", "thread");

    public static readonly MetricDescriptor PartitionsRevoked = MetricDescriptor.Counter(
        "streams_partitions_revoked_total", "partitions",
        "Input partitions a stream thread gave up in rebalances (revoked or lost): how much work moved.", "thread");

    public static readonly MetricDescriptor CommitLatency = MetricDescriptor.Histogram(
        "streams_commit_duration_seconds", "Time a stream thread spends committing (flush, offsets, checkpoints; or the transaction).",
        MetricDescriptor.LatencyBuckets, "thread");

    public static readonly MetricDescriptor Commits = MetricDescriptor.Counter(
        "streams_commits_total", "commits",
        "Commits a stream thread made (under exactly-once, transactions), by what started them: interval (commit.interval.ms passed), "
        + "idle (caught up with its input, idle.commit.interval.ms passed), requested (a processor asked), rebalance (partitions revoked) or shutdown.",
        "thread", "reason");

    public static readonly MetricDescriptor TransactionsAborted = MetricDescriptor.Counter(
        "streams_transactions_aborted_total", "transactions",
        "Transactions a stream thread aborted because they could not commit (a rebalance fenced their offsets, or the transaction failed); "
        + "its tasks then restarted from the last commit, their stores rebuilt from the changelogs.", "thread");

    public static readonly MetricDescriptor EnforcedProcessing = MetricDescriptor.Counter(
        "streams_enforced_processing_total", "waits",
        "Times a task stopped waiting for records of one of its input partitions that the broker held but the consumer had not delivered "
        + "within 5 s; records processed meanwhile may be out of timestamp order across the task's partitions.", "task");

    public static readonly MetricDescriptor RestoreRemaining = MetricDescriptor.Gauge(
        "streams_restore_remaining_records", "records", "Changelog records still to restore, by store and task; 0 once restored.", "store", "task");

    public static readonly MetricDescriptor RestoredRecords = MetricDescriptor.Counter(
        "streams_restored_records_total", "records", "Changelog records restored into local stores, by store and task.", "store", "task");

    public static readonly MetricDescriptor StoresWiped = MetricDescriptor.Counter(
        "streams_stores_wiped_total", "stores", "Local stores wiped and rebuilt because their checkpoint did not match the changelog.", "store", "task");
}
