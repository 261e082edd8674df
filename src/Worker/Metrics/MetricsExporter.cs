using Personalization.Topology;
using Personalization.Topology.Scoring;
using Prometheus;
using Streams.Engine.Metrics;
using Streams.Engine.Runtime;
using Streams.Engine.State;
using Counter = Prometheus.Counter;
using Gauge = Prometheus.Gauge;
using Histogram = Prometheus.Histogram;

namespace Personalization.Worker.Metrics;

/// <summary>
/// Publishes the engine's and the topology's metrics in Prometheus form, next to the process and .NET runtime metrics,
/// in a registry of its own. Each <c>streams_</c> collector is made from the <see cref="MetricDescriptor"/> its metric
/// was recorded with; counters and gauges are read on each scrape; histograms are fed as observations happen, through
/// the engine's histogram listener. What only the exporter knows (lag, state, tasks, memory, model versions) is
/// declared here, where it is computed.
/// </summary>
internal sealed class MetricsExporter
{
    private static readonly MetricDescriptor ConsumerLagRecords = MetricDescriptor.Gauge(
        "streams_consumer_lag_records", "records", "Records between this instance's position and the end of each assigned input partition.",
        "topic", "partition");

    private static readonly MetricDescriptor ConsumerLagSeconds = MetricDescriptor.Gauge(
        "streams_consumer_lag_seconds", "seconds",
        "Wall-clock age of the last processed record's event time while records wait, per assigned input partition; 0 when caught up.",
        "topic", "partition");

    private static readonly MetricDescriptor State = MetricDescriptor.Gauge(
        "streams_state", "boolean",
        "1 for the runtime's current state (Created, Rebalancing, Running, PendingShutdown, NotRunning, Error), 0 for the others.", "state");

    private static readonly MetricDescriptor Tasks =
        MetricDescriptor.Gauge("streams_tasks", "tasks",
            "Tasks this instance holds: running (restored and processing), restoring, or standby (warm replicas of other instances' tasks).", "state");

    private static readonly MetricDescriptor StandbyLag = MetricDescriptor.Gauge(
        "streams_standby_lag_records", "records", "Changelog records a standby replica has not applied yet, by task.", "task");

    private static readonly MetricDescriptor RocksDbMemoryBytes = MetricDescriptor.Gauge(
        "streams_rocksdb_memory_bytes", "bytes",
        "RocksDB memory across open stores: cache (the shared block cache, memtables included), memtables, table_readers, pinned.", "kind");

    private static readonly MetricDescriptor RocksDbCacheCapacity = MetricDescriptor.Gauge(
        "streams_rocksdb_cache_capacity_bytes", "bytes", "Capacity of the shared RocksDB block cache (Streams__RocksDbCacheMb).");

    private static readonly MetricDescriptor RocksDbLevel0Files = MetricDescriptor.Gauge(
        "streams_rocksdb_level0_files", "files",
        "RocksDB level-0 table files across open stores (sum) and in the store with the most (max); each read checks every one, and at 20 in a store RocksDB slows its writes.",
        "stat");

    private static readonly MetricDescriptor RocksDbBackgroundJobs = MetricDescriptor.Gauge(
        "streams_rocksdb_background_jobs", "jobs", "RocksDB flushes and compactions running now across open stores.", "kind");

    private static readonly MetricDescriptor RocksDbPendingCompaction = MetricDescriptor.Gauge(
        "streams_rocksdb_pending_compaction_bytes", "bytes", "Bytes RocksDB estimates its compactions still have to rewrite, across open stores.");

    private static readonly MetricDescriptor ModelInfo =
        MetricDescriptor.Gauge("streams_model_info", "boolean", "1 for the model version serving now.", "model", "version");

    private static readonly MetricDescriptor GuardrailHighRiskShare = MetricDescriptor.Gauge(
        "streams_guardrail_high_risk_share", "ratio", "Share of high-risk fraud scores in the guardrail's window.", "model");

    private static readonly Lazy<IReadOnlyList<MetricDescriptor>> ExportedMetrics = new(() =>
        MetricDescriptor.DeclaredIn(typeof(StreamsMetrics).Assembly, typeof(PersonalizationTopology).Assembly, typeof(MetricsExporter).Assembly));

    private readonly ModelDirectory _models;
    private readonly StreamsMetrics _topologyMetrics;
    private readonly FraudGuardrail _guardrail;
    private readonly Dictionary<string, Collector> _collectors = new(StringComparer.Ordinal);
    private readonly HashSet<(string Topic, string Partition)> _lagSeries = [];
    private readonly HashSet<string> _standbySeries = [];
    private readonly Dictionary<string, string> _modelVersions = new(StringComparer.Ordinal);
    private KafkaStreams? _streams;

    public MetricsExporter(ModelDirectory models, FraudGuardrail guardrail, StreamsMetrics topologyMetrics)
    {
        _models = models;
        _guardrail = guardrail;
        _topologyMetrics = topologyMetrics;
        Registry = Prometheus.Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        Factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        Registry.AddBeforeCollectCallback(Collect);

        // Set before anything is scored: the model directory creates a candidate's histograms when it reads the plan.
        _topologyMetrics.HistogramListener = HistogramFor;
    }

    public CollectorRegistry Registry { get; }

    /// <summary>
    /// Every <c>streams_</c> metric the worker can export: the engine's, the topology's and the exporter's own. Found by
    /// reflection when first asked for (the documentation's tests ask; exporting needs no list), not at start-up.
    /// </summary>
    public static IReadOnlyList<MetricDescriptor> Exported => ExportedMetrics.Value;

    private IMetricFactory Factory { get; }

    /// <summary>Starts exporting <paramref name="streams"/>; call before it starts, so every histogram is fed.</summary>
    public void Attach(KafkaStreams streams)
    {
        _streams = streams;
        streams.Metrics.HistogramListener = HistogramFor;
    }

    private Action<double>? HistogramFor(MetricDescriptor metric, IReadOnlyList<string> labelValues) =>
        ((Histogram)Collector(metric)).WithLabels([.. labelValues]).Observe;

    private void Collect()
    {
        lock (_collectors)
        {
            Publish(_topologyMetrics);
            Gauge(RocksDbCacheCapacity).Set(RocksDbMemory.BlockCacheBytes);
            var rocksDb = RocksDbMemory.Report();
            var memory = Gauge(RocksDbMemoryBytes);
            memory.WithLabels("cache").Set(rocksDb.CacheUsage);
            memory.WithLabels("memtables").Set(rocksDb.Memtables);
            memory.WithLabels("table_readers").Set(rocksDb.TableReaders);
            memory.WithLabels("pinned").Set(rocksDb.PinnedBlocks);
            var activity = RocksDbMemory.Activity();
            var level0 = Gauge(RocksDbLevel0Files);
            level0.WithLabels("sum").Set(activity.Level0Files);
            level0.WithLabels("max").Set(activity.MaxLevel0Files);
            var jobs = Gauge(RocksDbBackgroundJobs);
            jobs.WithLabels("flush").Set(activity.RunningFlushes);
            jobs.WithLabels("compaction").Set(activity.RunningCompactions);
            Gauge(RocksDbPendingCompaction).Set(activity.PendingCompactionBytes);
            foreach (var (name, model) in _models.Current)
            {
                var info = Gauge(ModelInfo);
                if (_modelVersions.TryGetValue(name, out var previous) && previous != model.Version)
                {
                    info.RemoveLabelled(name, previous);
                }

                _modelVersions[name] = model.Version;
                info.WithLabels(name, model.Version).Set(1);
            }

            Gauge(GuardrailHighRiskShare).WithLabels("fraud").Set(_guardrail.HighRiskShare);
            if (_streams is not { } streams)
            {
                return;
            }

            Publish(streams.Metrics);
            PublishLags(streams.Lags);
            var tasks = streams.Tasks;
            var taskGauge = Gauge(Tasks);
            taskGauge.WithLabels("running").Set(tasks.Count(t => t.Running));
            taskGauge.WithLabels("restoring").Set(tasks.Count(t => !t.Running));
            var standbys = streams.StandbyTasks;
            taskGauge.WithLabels("standby").Set(standbys.Count);
            PublishStandbyLags(standbys);
            var stateGauge = Gauge(State);
            foreach (var state in Enum.GetValues<StreamsState>())
            {
                stateGauge.WithLabels(state.ToString()).Set(state == streams.State ? 1 : 0);
            }
        }
    }

    private void Publish(StreamsMetrics metrics)
    {
        foreach (var sample in metrics.Snapshot())
        {
            var collector = Collector(sample.Metric);
            string[] values = [.. sample.LabelValues];
            if (collector is Counter counter)
            {
                counter.WithLabels(values).IncTo(sample.Value);
            }
            else if (collector is Gauge gauge)
            {
                gauge.WithLabels(values).Set(sample.Value);
            }
        }
    }

    private void PublishLags(IReadOnlyList<PartitionLag> lags)
    {
        var records = Gauge(ConsumerLagRecords);
        var seconds = Gauge(ConsumerLagSeconds);
        var current = new HashSet<(string, string)>();
        foreach (var lag in lags)
        {
            var partition = lag.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture);
            current.Add((lag.Topic, partition));
            records.WithLabels(lag.Topic, partition).Set(lag.Records);
            seconds.WithLabels(lag.Topic, partition).Set(lag.Seconds);
        }

        // A partition that moved to another instance is no longer this instance's lag.
        foreach (var (topic, partition) in _lagSeries.Except(current).ToList())
        {
            records.RemoveLabelled(topic, partition);
            seconds.RemoveLabelled(topic, partition);
            _lagSeries.Remove((topic, partition));
        }

        _lagSeries.UnionWith(current);
    }

    private void PublishStandbyLags(IReadOnlyList<StandbyTaskInfo> standbys)
    {
        var gauge = Gauge(StandbyLag);
        var current = new HashSet<string>();
        foreach (var standby in standbys)
        {
            var task = standby.Id.ToString();
            current.Add(task);
            gauge.WithLabels(task).Set(standby.LagRecords ?? 0);
        }

        // A standby this instance no longer keeps has no lag here.
        foreach (var task in _standbySeries.Except(current).ToList())
        {
            gauge.RemoveLabelled(task);
            _standbySeries.Remove(task);
        }

        _standbySeries.UnionWith(current);
    }

    private Gauge Gauge(MetricDescriptor metric) => (Gauge)Collector(metric);

    private Collector Collector(MetricDescriptor metric)
    {
        lock (_collectors)
        {
            if (_collectors.TryGetValue(metric.Name, out var existing))
            {
                return existing;
            }

            var labels = metric.LabelNames.ToArray();
            Collector collector = metric.Kind switch
            {
                MetricKind.Counter => Factory.CreateCounter(metric.Name, metric.Help, labels),
                MetricKind.Gauge => Factory.CreateGauge(metric.Name, metric.Help, labels),
                _ => Factory.CreateHistogram(metric.Name, metric.Help, labels, new HistogramConfiguration { Buckets = [.. metric.Buckets!] }),
            };
            _collectors[metric.Name] = collector;
            return collector;
        }
    }
}
