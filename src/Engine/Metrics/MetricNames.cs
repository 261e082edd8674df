namespace Streams.Engine.Metrics;

/// <summary>The names of the engine's metrics.</summary>
public static class MetricNames
{
    /// <summary>Records dropped because they arrived after their window closed (window end + grace); label: processor.</summary>
    public const string LateRecordsDropped = "late-records-dropped";

    /// <summary>Records dropped because a stateful step cannot use them (null key); label: processor.</summary>
    public const string NullKeyRecordsDropped = "null-key-records-dropped";

    /// <summary>Records skipped by the <c>skip</c> error policy; label: source topic.</summary>
    public const string RecordsSkipped = "records-skipped";

    /// <summary>Records sent to the dead-letter topic; label: source topic.</summary>
    public const string DeadLetters = "dead-letters";

    /// <summary>Records read by tasks; label: topic.</summary>
    public const string RecordsConsumed = "records-consumed";

    /// <summary>Records written by sinks (not changelogs); label: topic.</summary>
    public const string RecordsProduced = "records-produced";

    /// <summary>Punctuator runs; label: task.</summary>
    public const string Punctuations = "punctuations";

    /// <summary>Histogram, seconds from a record's event time to its output by a sink; label: output topic.</summary>
    public const string EndToEndLatency = "e2e-latency";

    /// <summary>Histogram, seconds a commit took; label: thread.</summary>
    public const string CommitLatency = "commit-latency";

    /// <summary>Rebalances a stream thread completed (one per assignment it received, even an unchanged one); label: thread.</summary>
    public const string Rebalances = "rebalances";

    /// <summary>Input partitions a stream thread gave up in rebalances (revoked or lost): how much work moved; label: thread.</summary>
    public const string PartitionsRevoked = "partitions-revoked";

    /// <summary>Gauge, changelog records still to restore; labels: store, task (as "store,task").</summary>
    public const string RestoreRemaining = "restore-remaining-records";

    /// <summary>Changelog records restored; labels: store, task.</summary>
    public const string RestoredRecords = "restored-records";

    /// <summary>
    /// Local stores wiped and rebuilt because their checkpoint did not match the changelog (past its end: the changelog
    /// was recreated, the application reset, or the cluster is another; or before its start); labels: store, task.
    /// </summary>
    public const string StoresWiped = "stores-wiped";
}
