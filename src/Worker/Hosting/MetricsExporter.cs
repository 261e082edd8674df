using Personalization.Scoring;
using Prometheus;
using MetricNames = Streams.Engine.Metrics.MetricNames;
using StreamsMetrics = Streams.Engine.Metrics.StreamsMetrics;
using Streams.Engine.Runtime;

namespace Personalization.Worker.Hosting;

/// <summary>
/// Publishes the engine's and the topology's metrics in Prometheus form (names start with <c>streams_</c>), next to
/// the process and .NET runtime metrics, in a registry of its own. Counters and gauges are read on each scrape;
/// histograms are fed as observations happen, through the engine's histogram listener.
/// </summary>
public sealed class MetricsExporter
{
    private static readonly double[] LatencyBuckets = Streams.Engine.Metrics.Histogram.LatencyBuckets;

    // The label each engine or topology metric carries, by metric name; composite labels are comma-separated.
    private static readonly Dictionary<string, string[]> LabelNames = new(StringComparer.Ordinal)
    {
        [MetricNames.RecordsConsumed] = ["topic"],
        [MetricNames.RecordsProduced] = ["topic"],
        [MetricNames.DeadLetters] = ["topic"],
        [MetricNames.RecordsSkipped] = ["topic"],
        [MetricNames.RestoredRecords] = ["store", "task"],
        [MetricNames.StoresWiped] = ["store", "task"],
        [MetricNames.LateRecordsDropped] = ["store"],
        [MetricNames.NullKeyRecordsDropped] = ["store"],
        [MetricNames.RestoreRemaining] = ["store", "task"],
        [MetricNames.EndToEndLatency] = ["topic"],
        [MetricNames.CommitLatency] = ["thread"],
        [PersonalizationMetricNames.Scores] = ["model"],
        [PersonalizationMetricNames.HeuristicScores] = ["model", "reason"],
        [PersonalizationMetricNames.ScoreDuration] = ["model"],
        [PersonalizationMetricNames.ModelLoads] = ["model"],
        [PersonalizationMetricNames.ModelRejections] = ["model"],
        [PersonalizationMetricNames.GuardrailActive] = ["model"],
    };

    // Names fixed by ../shared/DESIGN.md where the mechanical translation would differ.
    private static readonly Dictionary<string, string> PrometheusNames = new(StringComparer.Ordinal)
    {
        [MetricNames.EndToEndLatency] = "streams_e2e_latency_seconds",
        [MetricNames.CommitLatency] = "streams_commit_duration_seconds",
        [PersonalizationMetricNames.ScoreDuration] = "streams_score_duration_seconds",
    };

    private readonly ModelDirectory _models;
    private readonly StreamsMetrics _topologyMetrics;
    private readonly FraudGuardrail _guardrail;
    private readonly Dictionary<string, Collector> _collectors = new(StringComparer.Ordinal);
    private readonly Gauge _lagRecords;
    private readonly Gauge _lagSeconds;
    private readonly Gauge _modelInfo;
    private readonly Gauge _guardrailShare;
    private readonly Gauge _tasks;
    private readonly Gauge _state;
    private readonly HashSet<(string Topic, string Partition)> _lagSeries = [];
    private readonly Dictionary<string, string> _modelVersions = new(StringComparer.Ordinal);
    private KafkaStreams? _streams;

    public MetricsExporter(ModelDirectory models, FraudGuardrail guardrail, StreamsMetrics topologyMetrics)
    {
        _models = models;
        _guardrail = guardrail;
        _topologyMetrics = topologyMetrics;
        Registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        Factory = Metrics.WithCustomRegistry(Registry);
        _lagRecords = Factory.CreateGauge("streams_consumer_lag_records", "Records between the committed position and the end of each assigned input partition.", ["topic", "partition"]);
        _lagSeconds = Factory.CreateGauge("streams_consumer_lag_seconds", "Age of the last processed record's event time while records wait, per input partition (0 when caught up).", ["topic", "partition"]);
        _modelInfo = Factory.CreateGauge("streams_model_info", "1 for the model version serving now.", ["model", "version"]);
        _guardrailShare = Factory.CreateGauge("streams_guardrail_high_risk_share", "Share of high-risk fraud scores in the guardrail window.", ["model"]);
        _tasks = Factory.CreateGauge("streams_tasks", "Tasks this instance runs, by whether they are running (restored) or restoring.", ["state"]);
        _state = Factory.CreateGauge("streams_state", "1 for the runtime's current state.", ["state"]);
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

    private Action<double>? HistogramFor(string name, string label)
    {
        var histogram = (Prometheus.Histogram)GetOrCreate(name, isCounter: false, isHistogram: true, LabelNamesOf(name));
        var values = LabelValues(name, label);
        var child = histogram.WithLabels(values);
        return child.Observe;
    }

    private void Collect()
    {
        lock (_collectors)
        {
            Publish(_topologyMetrics);
            if (_streams is not { } streams)
            {
                return;
            }

            Publish(streams.Metrics);
            PublishLags(streams.Lags);
            var tasks = streams.Tasks;
            _tasks.WithLabels("running").Set(tasks.Count(t => t.Running));
            _tasks.WithLabels("restoring").Set(tasks.Count(t => !t.Running));
            foreach (var state in Enum.GetValues<StreamsState>())
            {
                _state.WithLabels(state.ToString()).Set(state == streams.State ? 1 : 0);
            }

            foreach (var (name, model) in _models.Current)
            {
                if (_modelVersions.TryGetValue(name, out var previous) && previous != model.Version)
                {
                    _modelInfo.RemoveLabelled(name, previous);
                }

                _modelVersions[name] = model.Version;
                _modelInfo.WithLabels(name, model.Version).Set(1);
            }

            _guardrailShare.WithLabels("fraud").Set(_guardrail.HighRiskShare);
        }
    }

    private void Publish(StreamsMetrics metrics)
    {
        foreach (var sample in metrics.Snapshot())
        {
            var collector = GetOrCreate(sample.Name, sample.IsCounter, isHistogram: false, LabelNamesOf(sample.Name));
            var values = LabelValues(sample.Name, sample.Label);
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
        var current = new HashSet<(string, string)>();
        foreach (var lag in lags)
        {
            var partition = lag.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture);
            current.Add((lag.Topic, partition));
            _lagRecords.WithLabels(lag.Topic, partition).Set(lag.Records);
            _lagSeconds.WithLabels(lag.Topic, partition).Set(lag.Seconds);
        }

        // A partition that moved to another instance is no longer this instance's lag.
        foreach (var (topic, partition) in _lagSeries.Except(current).ToList())
        {
            _lagRecords.RemoveLabelled(topic, partition);
            _lagSeconds.RemoveLabelled(topic, partition);
            _lagSeries.Remove((topic, partition));
        }

        _lagSeries.UnionWith(current);
    }

    private Collector GetOrCreate(string name, bool isCounter, bool isHistogram, string[] labelNames)
    {
        lock (_collectors)
        {
            if (_collectors.TryGetValue(name, out var existing))
            {
                return existing;
            }

            var prometheusName = PrometheusNames.GetValueOrDefault(name) ?? "streams_" + name.Replace('-', '_') + (isCounter ? "_total" : "");
            var help = $"The engine's '{name}' metric.";
            Collector collector = isHistogram
                ? Factory.CreateHistogram(prometheusName, help + " Seconds.", labelNames, new HistogramConfiguration { Buckets = LatencyBuckets })
                : isCounter
                    ? Factory.CreateCounter(prometheusName, help, labelNames)
                    : Factory.CreateGauge(prometheusName, help, labelNames);
            _collectors[name] = collector;
            return collector;
        }
    }

    private static string[] LabelNamesOf(string name) => LabelNames.TryGetValue(name, out var names) ? names : ["name"];

    private static string[] LabelValues(string name, string label)
    {
        var expected = LabelNamesOf(name).Length;
        if (expected == 0)
        {
            return [];
        }

        var values = label.Split(',', expected);
        return values.Length == expected ? values : [.. values, .. Enumerable.Repeat("", expected - values.Length)];
    }
}
