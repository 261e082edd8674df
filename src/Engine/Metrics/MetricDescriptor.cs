using System.Reflection;

namespace Streams.Engine.Metrics;

/// <summary>
/// A metric declared once, next to the code that records it: its exported name, kind, unit, help text, label names
/// and (for a histogram) bucket bounds. Recording code asks <see cref="StreamsMetrics"/> for an instrument with the
/// label values; exporters and the documentation take everything else from here.
/// </summary>
public sealed record MetricDescriptor(string Name, MetricKind Kind, string Unit, string Help, IReadOnlyList<string> LabelNames, IReadOnlyList<double>? Buckets)
{
    /// <summary>Latency buckets in seconds, 1 ms to 60 s, with steps around a 250 ms end-to-end target.</summary>
    public static readonly IReadOnlyList<double> LatencyBuckets =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>A counter of <paramref name="unit"/> (records, users, scores, ...).</summary>
    public static MetricDescriptor Counter(string name, string unit, string help, params string[] labelNames) =>
        new(name, MetricKind.Counter, unit, help, labelNames, null);

    /// <summary>A gauge measured in <paramref name="unit"/>.</summary>
    public static MetricDescriptor Gauge(string name, string unit, string help, params string[] labelNames) =>
        new(name, MetricKind.Gauge, unit, help, labelNames, null);

    /// <summary>A histogram of durations in seconds, in <paramref name="buckets"/> (upper bounds).</summary>
    public static MetricDescriptor Histogram(string name, string help, IReadOnlyList<double> buckets, params string[] labelNames) =>
        new(name, MetricKind.Histogram, "seconds", help, labelNames, buckets);

    /// <summary>
    /// Every descriptor declared as a static field in <paramref name="assemblies"/>, by name: what a process can export,
    /// for the exporter's reference and the documentation's.
    /// </summary>
    public static IReadOnlyList<MetricDescriptor> DeclaredIn(params Assembly[] assemblies) =>
        assemblies.SelectMany(assembly => assembly.GetTypes())
            .SelectMany(type => type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(field => field.FieldType == typeof(MetricDescriptor))
            .Select(field => (MetricDescriptor)field.GetValue(null)!)
            .DistinctBy(metric => metric.Name)
            .OrderBy(metric => metric.Name, StringComparer.Ordinal)
            .ToList();

    public bool Equals(MetricDescriptor? other) => ReferenceEquals(this, other) || (other is not null && Name == other.Name);

    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);
}
