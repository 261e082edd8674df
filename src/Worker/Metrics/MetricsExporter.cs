using Personalization.Topology.Scoring;
using Prometheus;
using Streams.Engine.Runtime;
using Streams.Engine.State;
using StreamsMetrics = Streams.Engine.Metrics.StreamsMetrics;

namespace Personalization.Worker.Metrics;

/// <summary>
/// Publishes the engine's and the topology's metrics in Prometheus form, next to the process and .NET runtime metrics,
/// in a registry of its own. Every <c>streams_</c> collector is made from its <see cref="MetricCatalog"/> entry.
/// Counters and gauges are read on each scrape; histograms are fed as observations happen, through the engine's
/// histogram listener. Composite engine labels ("store,task") map to the entry's labels in order.
/// </summary>
public sealed class MetricsExporter
{
    private readonly ModelDirectory _models;
    private readonly StreamsMetrics _topologyMetrics;
    private readonly FraudGuardrail _guardrail;
    private readonly Dictionary<string, Collector> _collectors = new(StringComparer.Ordinal);
    private readonly HashSet<(string Topic, string Partition)> _lagSeries = [];
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
    }

    public CollectorRegistry Registry { get; }

    private IMetricFactory Factory { get; }

    /// <summary>Starts exporting <paramref name="streams"/>; call before it starts, so every histogram is fed.</summary>
    public void Attach(KafkaStreams streams)
    {
        _streams = streams;
        streams.Metrics.HistogramListener = HistogramFor;
        _topologyMetrics.HistogramListener = HistogramFor;
    }

    private Action<double>? HistogramFor(string source, string label)
    {
        var metric = MetricCatalog.ForSource(source);
        var histogram = (Histogram)Collector(metric);
        return histogram.WithLabels(LabelValues(metric, label)).Observe;
    }

    private void Collect()
    {
        lock (_collectors)
        {
            Publish(_topologyMetrics);
            Gauge("streams_rocksdb_cache_capacity_bytes").Set(RocksDbMemory.BlockCacheBytes);
            var rocksDb = RocksDbMemory.Report();
            var memory = Gauge("streams_rocksdb_memory_bytes");
            memory.WithLabels("cache").Set(rocksDb.CacheUsage);
            memory.WithLabels("memtables").Set(rocksDb.Memtables);
            memory.WithLabels("table_readers").Set(rocksDb.TableReaders);
            memory.WithLabels("pinned").Set(rocksDb.PinnedBlocks);
            foreach (var (name, model) in _models.Current)
            {
                var info = Gauge("streams_model_info");
                if (_modelVersions.TryGetValue(name, out var previous) && previous != model.Version)
                {
                    info.RemoveLabelled(name, previous);
                }

                _modelVersions[name] = model.Version;
                info.WithLabels(name, model.Version).Set(1);
            }

            Gauge("streams_guardrail_high_risk_share").WithLabels("fraud").Set(_guardrail.HighRiskShare);
            if (_streams is not { } streams)
            {
                return;
            }

            Publish(streams.Metrics);
            PublishLags(streams.Lags);
            var tasks = streams.Tasks;
            var taskGauge = Gauge("streams_tasks");
            taskGauge.WithLabels("running").Set(tasks.Count(t => t.Running));
            taskGauge.WithLabels("restoring").Set(tasks.Count(t => !t.Running));
            var stateGauge = Gauge("streams_state");
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
            var metric = MetricCatalog.ForSource(sample.Name);
            var collector = Collector(metric);
            var values = LabelValues(metric, sample.Label);
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
        var records = Gauge("streams_consumer_lag_records");
        var seconds = Gauge("streams_consumer_lag_seconds");
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

    private Gauge Gauge(string name) => (Gauge)Collector(MetricCatalog.Named(name));

    private Collector Collector(MetricDefinition metric)
    {
        lock (_collectors)
        {
            if (_collectors.TryGetValue(metric.Name, out var existing))
            {
                return existing;
            }

            var labels = metric.Labels.ToArray();
            Collector collector = metric.Type switch
            {
                MetricType.Counter => Factory.CreateCounter(metric.Name, metric.Help, labels),
                MetricType.Gauge => Factory.CreateGauge(metric.Name, metric.Help, labels),
                _ => Factory.CreateHistogram(metric.Name, metric.Help, labels, new HistogramConfiguration { Buckets = [.. metric.Buckets!] }),
            };
            _collectors[metric.Name] = collector;
            return collector;
        }
    }

    /// <summary>The engine's label ("store,task", or "" for none) as the values of the entry's labels.</summary>
    private static string[] LabelValues(MetricDefinition metric, string label)
    {
        var expected = metric.Labels.Count;
        if (expected == 0)
        {
            return [];
        }

        var values = label.Split(',', expected);
        return values.Length == expected ? values : [.. values, .. Enumerable.Repeat("", expected - values.Length)];
    }
}
