using System.Text.Json;
using System.Text.RegularExpressions;
using Personalization.Topology.Scoring;
using Personalization.Worker.Metrics;
using Streams.Engine.Metrics;
using YamlDotNet.RepresentationModel;
using static Personalization.Worker.Tests.Deployment.RepositoryFiles;

namespace Personalization.Worker.Tests.Deployment;

/// <summary>
/// Metrics are declared once, each a <see cref="MetricDescriptor"/> next to the code that records it; the exporter, the
/// documentation, the dashboard and the alert rules are held to those declarations, so none of them can name a series the worker does not export.
/// </summary>
public sealed partial class MonitoringArtefactTests
{
    private const string Rules = "deploy/kustomize/components/monitoring/prometheusrule.yaml";
    private const string Dashboard = "deploy/grafana/personalization-worker.json";

    /// <summary>Series of others that the dashboard and the alerts may use: Prometheus's and kube-state-metrics'.</summary>
    private static readonly string[] External = ["up", "kube_pod_container_resource_limits"];

    [Fact]
    public async Task The_exporter_exports_the_runtime_series_the_dashboard_and_alerts_use_and_every_catalogued_worker_metric_it_computes()
    {
        var text = await ScrapeAsync();

        foreach (var metric in UsedMetrics().Where(m => m.StartsWith("process_", StringComparison.Ordinal) || m.StartsWith("dotnet_", StringComparison.Ordinal)))
        {
            Assert.Contains($"\n{metric} ", "\n" + text, StringComparison.Ordinal);
        }

        foreach (var metric in new[]
        {
            "streams_rocksdb_memory_bytes", "streams_rocksdb_cache_capacity_bytes", "streams_rocksdb_level0_files", "streams_rocksdb_background_jobs",
            "streams_rocksdb_pending_compaction_bytes", "streams_guardrail_high_risk_share",
        })
        {
            Assert.Contains($"# HELP {metric} {Named(metric).Help}", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_declared_metric_has_a_unique_prometheus_name_help_a_unit_and_buckets_where_it_is_a_histogram()
    {
        Assert.True(MetricsExporter.Exported.Count >= 36, $"only {MetricsExporter.Exported.Count} metrics found");
        Assert.All(MetricsExporter.Exported, metric =>
        {
            Assert.Matches("^streams_[a-z0-9_]+$", metric.Name);
            Assert.True(metric.Help.Length > 20, $"{metric.Name} has no real help text");
            Assert.False(string.IsNullOrEmpty(metric.Unit), $"{metric.Name} has no unit");
            Assert.Equal(metric.Kind == MetricKind.Counter, metric.Name.EndsWith("_total", StringComparison.Ordinal));
            Assert.Equal(metric.Kind == MetricKind.Histogram, metric.Buckets is not null);
        });
    }

    [Fact]
    public void Every_exported_metric_is_documented_and_every_documented_metric_is_exported()
    {
        var documented = DocumentedMetric().Matches(Read("docs/operate/observability.md")).Select(m => m.Groups[1].Value).ToHashSet();

        Assert.Equal(MetricsExporter.Exported.Select(m => m.Name).Order(), documented.Order());
    }

    [Fact]
    public void Each_alert_uses_exported_metrics_of_the_workers_job_and_names_a_runbook_entry_that_exists()
    {
        var runbook = Read("docs/operate/runbook.md");
        var anchors = Heading().Matches(runbook).Select(m => m.Groups[1].Value.Trim().ToLowerInvariant().Replace(' ', '-')).ToHashSet();
        var rules = AlertRules().ToList();

        foreach (var (alert, expression, runbookLink) in rules)
        {
            Assert.All(MetricsIn(expression), metric => Assert.True(IsExported(metric), $"{alert} uses {metric}, which nothing exports"));
            Assert.Contains("job=\"personalization-worker\"", expression, StringComparison.Ordinal);
            Assert.StartsWith("docs/operate/runbook.md#", runbookLink, StringComparison.Ordinal);
            Assert.Contains(runbookLink.Split('#')[1], anchors);
        }

        var used = rules.SelectMany(rule => MetricsIn(rule.Expression)).ToHashSet();
        foreach (var watched in new[]
        {
            "streams_consumer_lag_seconds", "streams_dead_letters_total", "streams_state", "streams_tasks", "streams_guardrail_active",
            "streams_model_rejections_total", "streams_e2e_latency_seconds_bucket", "process_working_set_bytes",
        })
        {
            Assert.Contains(watched, used);
        }
    }

    [Fact]
    public void The_dashboard_charts_only_exported_metrics_filtered_by_namespace_job_and_pod()
    {
        using var dashboard = JsonDocument.Parse(Read(Dashboard));
        var variables = dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray().Select(v => v.GetProperty("name").GetString()).ToList();
        var expressions = DashboardExpressions(dashboard).ToList();

        Assert.Contains("namespace", variables);
        Assert.Contains("job", variables);
        Assert.Contains("pod", variables);
        Assert.All(expressions, expression =>
        {
            Assert.All(MetricsIn(expression), metric => Assert.True(IsExported(metric), $"the dashboard charts {metric}, which nothing exports"));
            Assert.Contains("namespace=~\"$namespace\", job=~\"$job\", pod=~\"$pod\"", expression, StringComparison.Ordinal);
        });
        var charted = expressions.SelectMany(MetricsIn).ToHashSet();
        foreach (var metric in new[]
        {
            "streams_consumer_lag_records", "streams_consumer_lag_seconds", "streams_records_consumed_total", "streams_records_produced_total",
            "streams_e2e_latency_seconds_bucket", "streams_dead_letters_total", "streams_rebalances_total", "streams_restore_remaining_records",
            "streams_state", "streams_tasks", "process_cpu_seconds_total", "process_working_set_bytes", "process_num_threads",
            "streams_rocksdb_memory_bytes", "streams_training_records_total", "streams_default_rewards_total",
        })
        {
            Assert.Contains(metric, charted);
        }
    }

    private static IEnumerable<string> UsedMetrics()
    {
        using var dashboard = JsonDocument.Parse(Read(Dashboard));
        return DashboardExpressions(dashboard).Concat(AlertRules().Select(r => r.Expression)).SelectMany(MetricsIn).Distinct().ToList();
    }

    private static IEnumerable<string> DashboardExpressions(JsonDocument dashboard) =>
        dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Where(panel => panel.TryGetProperty("targets", out _))
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray())
            .Select(target => target.GetProperty("expr").GetString()!)
            .ToList();

    private static IEnumerable<(string Alert, string Expression, string Runbook)> AlertRules()
    {
        var groups = (YamlSequenceNode)Yaml(Rules)["spec"]["groups"];
        return groups.Children.OfType<YamlMappingNode>()
            .SelectMany(group => ((YamlSequenceNode)group["rules"]).Children.OfType<YamlMappingNode>())
            .Select(rule => (rule["alert"].ToString(), rule["expr"].ToString(), rule["annotations"]["runbook"].ToString()))
            .ToList();
    }

    /// <summary>The metric names in a PromQL expression: identifiers followed by a selector, a range or a closing parenthesis.</summary>
    private static IEnumerable<string> MetricsIn(string expression) =>
        MetricName().Matches(expression).Select(m => m.Value).Where(name => name.Contains('_', StringComparison.Ordinal) || name == "up").Distinct();

    private static bool IsExported(string metric)
    {
        var declared = MetricsExporter.Exported.Select(m => m.Name).ToHashSet();
        var baseName = HistogramSuffix().Replace(metric, "");
        return declared.Contains(metric) || (declared.Contains(baseName) && Named(baseName).Kind == MetricKind.Histogram)
            || External.Contains(metric)
            || ((metric.StartsWith("process_", StringComparison.Ordinal) || metric.StartsWith("dotnet_", StringComparison.Ordinal))
                && ScrapeAsync().GetAwaiter().GetResult().Contains($"\n{metric} ", StringComparison.Ordinal));
    }

    private static MetricDescriptor Named(string name) => MetricsExporter.Exported.Single(m => m.Name == name);

    private static async Task<string> ScrapeAsync()
    {
        using var models = new ModelDirectory(new ModelOptions { Directory = Path.GetTempPath() });
        var exporter = new MetricsExporter(models, new FraudGuardrail(new ScoringOptions()), new StreamsMetrics());
        using var stream = new MemoryStream();
        await exporter.Registry.CollectAndExportAsTextAsync(stream);
        return "\n" + System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    [GeneratedRegex(@"^\| `(streams_[a-z0-9_]+)` \|", RegexOptions.Multiline)]
    private static partial Regex DocumentedMetric();

    [GeneratedRegex(@"^### (.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"\b[a-z_][a-z0-9_]*(?=\s*(\{|\[|\)|$|\s*[<>=!]))", RegexOptions.Multiline)]
    private static partial Regex MetricName();

    [GeneratedRegex("_(bucket|sum|count)$")]
    private static partial Regex HistogramSuffix();
}
