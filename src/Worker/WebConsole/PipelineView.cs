using Personalization.Topology;
using Personalization.Topology.Scoring;
using Personalization.Worker.Hosting;
using Personalization.Worker.Queries;
using Streams.Engine.Dsl.Processors;
using Streams.Engine.Metrics;
using Streams.Engine.Tasks;

namespace Personalization.Worker.WebConsole;

/// <summary>
/// <c>GET /v1/pipeline</c>: this instance at a glance, for the console's pipeline view and for anyone else: the runtime
/// state and tasks, each topic's records in and out so far (a reader derives rates from two readings), lag per
/// partition, end-to-end latency percentiles per output topic over about the last minute (since start on a first
/// request, and since the first request while the view has been asked for less), dead letters and late drops, the models with
/// their rollouts, and the fraud guardrail. Read from the metrics the worker keeps anyway: nothing is computed while
/// nobody asks.
/// </summary>
internal sealed class PipelineView(StreamsService service, ModelDirectory models, FraudGuardrail guardrail, WorkerSettings settings, TimeProvider time)
{
    /// <summary>Latency percentiles cover about this much of the recent past once the view has been asked that long.</summary>
    private static readonly TimeSpan LatencyWindow = TimeSpan.FromMinutes(1);

    private static readonly TimeSpan SnapshotEvery = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private readonly Queue<(DateTimeOffset At, Dictionary<string, HistogramSnapshot> Latencies)> _history = new();

    public object Snapshot()
    {
        var streams = service.Streams;
        var engine = streams?.Metrics.Snapshot() ?? [];
        long Counter(MetricDescriptor metric, string label) =>
            (long)engine.Where(s => s.Metric == metric && s.LabelValues.Count == 1 && s.LabelValues[0] == label).Sum(s => s.Value);

        var now = time.GetUtcNow();
        var current = (streams?.Metrics.Histograms() ?? []).Where(h => h.Metric == TaskMetrics.EndToEndLatency)
            .ToDictionary(h => h.LabelValues[0], h => h.Histogram.Snapshot(), StringComparer.Ordinal);
        var (since, baseline) = RecentBaseline(now, current);
        var topics = TopicCatalog.All.Select(definition =>
        {
            var name = definition.NameIn(settings.Topics);
            var latency = current.GetValueOrDefault(name) is { } latest && baseline.GetValueOrDefault(name) is { } earlier ? latest.Minus(earlier) : current.GetValueOrDefault(name);
            return new
            {
                topic = name,
                direction = definition.Direction == TopicDirection.Input ? "in" : "out",
                consumed = Counter(TaskMetrics.RecordsConsumed, name),
                produced = Counter(TaskMetrics.RecordsProduced, name),
                dead_letters = Counter(TaskMetrics.DeadLetters, name),
                latency_ms = latency is null || latency.Count == 0 ? null : new
                {
                    p50 = latency.Quantile(0.5) * 1000,
                    p95 = latency.Quantile(0.95) * 1000,
                    p99 = latency.Quantile(0.99) * 1000,
                    count = latency.Count,
                    since,
                },
            };
        }).ToList();

        var tasks = (streams?.Tasks ?? []).Select(t => new { id = t.Id.ToString(), state = t.Running ? "running" : "restoring", partitions = t.Partitions })
            .Concat((streams?.StandbyTasks ?? []).Select(t => new { id = t.Id.ToString(), state = "standby", partitions = (IReadOnlyList<string>)[] }))
            .OrderBy(t => t.id, StringComparer.Ordinal).ToList();
        return new
        {
            instance = new
            {
                process_id = streams?.ProcessId,
                application_id = settings.Streams.ApplicationId,
                state = streams?.State.ToString() ?? "Starting",
                at = DateTimeOffset.UtcNow,
            },
            topics,
            lag = (streams?.Lags ?? []).OrderBy(l => l.Topic, StringComparer.Ordinal).ThenBy(l => l.Partition)
                .Select(l => new { topic = l.Topic, partition = l.Partition, records = l.Records, seconds = l.Seconds, task = l.Task.ToString() }),
            late_drops = engine.Where(s => s.Metric == DroppedRecordMetrics.LateRecordsDropped)
                .Select(s => new { store = s.LabelValues[0], records = (long)s.Value }).OrderBy(s => s.store, StringComparer.Ordinal),
            tasks,
            models = ModelStatusEndpoint.Describe(models),
            guardrail = new { active = guardrail.IsActive, high_risk_share = guardrail.HighRiskShare, scores_in_window = guardrail.ScoresInWindow },
        };
    }

    /// <summary>
    /// The latency histograms as an earlier request saw them, about <see cref="LatencyWindow"/> ago (or as long ago as
    /// the view has been asked), and when; null (percentiles since start) on a first request. Snapshots are kept only
    /// while someone asks, at most one per <see cref="SnapshotEvery"/>.
    /// </summary>
    private (DateTimeOffset? Since, Dictionary<string, HistogramSnapshot> Baseline) RecentBaseline(DateTimeOffset now, Dictionary<string, HistogramSnapshot> current)
    {
        lock (_lock)
        {
            while (_history.Count > 1 && now - _history.ElementAt(1).At >= LatencyWindow)
            {
                _history.Dequeue();
            }

            var baseline = _history.Count > 0 && now - _history.Peek().At < 2 * LatencyWindow ? _history.Peek() : default;
            if (_history.Count == 0 || now - _history.Last().At >= SnapshotEvery)
            {
                _history.Enqueue((now, current));
            }

            return baseline.Latencies is null ? (null, []) : (baseline.At, baseline.Latencies);
        }
    }
}
