using Personalization.Topology;
using Streams.Engine.Metrics;

namespace Personalization.Worker.Metrics;

/// <summary>
/// Every <c>streams_</c> metric the worker exports, declared once: the exporter creates its collectors from here (an
/// engine or topology metric without an entry is a start-up error, not a silent series), and the tests hold the
/// documentation, the Grafana dashboard and the alert rules to this list.
/// </summary>
public static class MetricCatalog
{
    /// <summary>1 ms to 60 s, with steps around the 250 ms end-to-end target.</summary>
    public static readonly IReadOnlyList<double> LatencyBuckets =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>1 µs to 100 ms: a model call takes microseconds; the latency budget (50 ms) is the far end.</summary>
    public static readonly IReadOnlyList<double> ScoringBuckets =
        [0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

    public static IReadOnlyList<MetricDefinition> All { get; } =
    [
        // Lag, throughput and latency.
        new("streams_consumer_lag_records", MetricType.Gauge, ["topic", "partition"],
            "Records between this instance's position and the end of each assigned input partition."),
        new("streams_consumer_lag_seconds", MetricType.Gauge, ["topic", "partition"],
            "Wall-clock age of the last processed record's event time while records wait, per assigned input partition; 0 when caught up."),
        new("streams_records_consumed_total", MetricType.Counter, ["topic"], "Input records processed.", MetricNames.RecordsConsumed),
        new("streams_records_produced_total", MetricType.Counter, ["topic"], "Records written to output topics.", MetricNames.RecordsProduced),
        new("streams_e2e_latency_seconds", MetricType.Histogram, ["topic"],
            "From a record's event time to the output it caused, by output topic.", MetricNames.EndToEndLatency, LatencyBuckets),
        new("streams_commit_duration_seconds", MetricType.Histogram, ["thread"],
            "Time a stream thread spends committing (flush, offsets, checkpoints; or the transaction).", MetricNames.CommitLatency, LatencyBuckets),

        // Errors and drops.
        new("streams_dead_letters_total", MetricType.Counter, ["topic"],
            "Records sent to the dead-letter topic, by the topic they came from.", MetricNames.DeadLetters),
        new("streams_records_skipped_total", MetricType.Counter, ["topic"],
            "Records dropped under the skip error policy, by the topic they came from.", MetricNames.RecordsSkipped),
        new("streams_late_records_dropped_total", MetricType.Counter, ["store"],
            "Records too late for any window (after window end plus grace, or beyond retention), by store.", MetricNames.LateRecordsDropped),
        new("streams_null_key_records_dropped_total", MetricType.Counter, ["store"],
            "Records without a key that a keyed stateful step cannot place, by store.", MetricNames.NullKeyRecordsDropped),

        // Runtime, membership and state.
        new("streams_state", MetricType.Gauge, ["state"], "1 for the runtime's current state (Created, Rebalancing, Running, PendingShutdown, NotRunning, Error), 0 for the others."),
        new("streams_tasks", MetricType.Gauge, ["state"], "Tasks this instance runs: running (restored and processing) or restoring."),
        new("streams_punctuations_total", MetricType.Counter, ["task"], "Punctuator runs (stream time and wall clock), by task.", MetricNames.Punctuations),
        new("streams_rebalances_total", MetricType.Counter, ["thread"],
            "Assignments a stream thread received (one per rebalance, even an unchanged one).", MetricNames.Rebalances),
        new("streams_partitions_revoked_total", MetricType.Counter, ["thread"],
            "Input partitions a stream thread gave up in rebalances (revoked or lost): how much work moved.", MetricNames.PartitionsRevoked),
        new("streams_restore_remaining_records", MetricType.Gauge, ["store", "task"],
            "Changelog records still to restore, by store and task; 0 once restored.", MetricNames.RestoreRemaining),
        new("streams_restored_records_total", MetricType.Counter, ["store", "task"],
            "Changelog records restored into local stores, by store and task.", MetricNames.RestoredRecords),
        new("streams_stores_wiped_total", MetricType.Counter, ["store", "task"],
            "Local stores wiped and rebuilt because their checkpoint did not match the changelog.", MetricNames.StoresWiped),
        new("streams_rocksdb_memory_bytes", MetricType.Gauge, ["kind"],
            "RocksDB memory across open stores: cache (the shared block cache, memtables included), memtables, table_readers, pinned."),
        new("streams_rocksdb_cache_capacity_bytes", MetricType.Gauge, [], "Capacity of the shared RocksDB block cache (Streams__RocksDbCacheMb)."),

        // Models and scoring.
        new("streams_model_info", MetricType.Gauge, ["model", "version"], "1 for the model version serving now."),
        new("streams_scores_total", MetricType.Counter, ["model"], "Scores computed by a model.", PersonalizationMetricNames.Scores),
        new("streams_heuristic_scores_total", MetricType.Counter, ["model", "reason"],
            "Scores that fell back to the heuristic, by reason (no-model, model-error, latency-budget).", PersonalizationMetricNames.HeuristicScores),
        new("streams_score_duration_seconds", MetricType.Histogram, ["model"],
            "Time one scoring call spends in a model.", PersonalizationMetricNames.ScoreDuration, ScoringBuckets),
        new("streams_model_loads_total", MetricType.Counter, ["model"], "Model versions that started serving.", PersonalizationMetricNames.ModelLoads),
        new("streams_model_rejections_total", MetricType.Counter, ["model"],
            "Model files rejected by validation (they do not load, or score the probe set outside [0, 1]).", PersonalizationMetricNames.ModelRejections),
        new("streams_guardrail_active", MetricType.Gauge, ["model"],
            "1 while the fraud guardrail holds fraud flags back from attributes.", PersonalizationMetricNames.GuardrailActive),
        new("streams_guardrail_high_risk_share", MetricType.Gauge, ["model"], "Share of high-risk fraud scores in the guardrail's window."),

        // Reward join, attributes, forgetting.
        new("streams_training_records_total", MetricType.Counter, [], "Training records written to bandit.training.", PersonalizationMetricNames.TrainingRecords),
        new("streams_default_rewards_total", MetricType.Counter, [],
            "Training records whose reward is the default because nothing arrived in the window.", PersonalizationMetricNames.DefaultRewards),
        new("streams_late_rewards_total", MetricType.Counter, [],
            "Rewards that arrived after their decision's training record was written (not used).", PersonalizationMetricNames.LateRewards),
        new("streams_unknown_rewards_evicted_total", MetricType.Counter, [],
            "Rewards for decisions that never arrived, evicted after the bound.", PersonalizationMetricNames.UnknownRewardsEvicted),
        new("streams_duplicate_decisions_total", MetricType.Counter, [], "Decisions seen again (same event id) and ignored.", PersonalizationMetricNames.DuplicateDecisions),
        new("streams_attribute_updates_total", MetricType.Counter, [], "Attribute updates written to users.attributes.", PersonalizationMetricNames.AttributeUpdates),
        new("streams_fraud_flags_held_total", MetricType.Counter, [],
            "Fraud scores kept from attributes because the fraud guardrail was active.", PersonalizationMetricNames.FraudFlagsHeld),
        new("streams_forgotten_users_total", MetricType.Counter, ["processor"], "Users removed on request from users.forget.", PersonalizationMetricNames.ForgottenUsers),
    ];

    private static readonly Dictionary<string, MetricDefinition> BySourceName =
        All.Where(metric => metric.Source is not null).ToDictionary(metric => metric.Source!, StringComparer.Ordinal);

    private static readonly Dictionary<string, MetricDefinition> ByPrometheusName = All.ToDictionary(metric => metric.Name, StringComparer.Ordinal);

    /// <summary>The exported metric fed from an engine or topology metric.</summary>
    public static MetricDefinition ForSource(string source) =>
        BySourceName.TryGetValue(source, out var metric)
            ? metric
            : throw new InvalidOperationException($"The metric '{source}' is not in {nameof(MetricCatalog)}: declare its name, labels and help there before exporting it.");

    /// <summary>An exported metric by its Prometheus name.</summary>
    public static MetricDefinition Named(string name) => ByPrometheusName[name];
}
