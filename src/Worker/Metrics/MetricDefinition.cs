namespace Personalization.Worker.Metrics;

/// <summary>
/// One exported metric: its Prometheus name, type, labels and help text, the engine or topology metric it is fed from
/// (<see cref="Source"/>, null for what the exporter computes itself), and a histogram's buckets in seconds.
/// </summary>
public sealed record MetricDefinition(string Name, MetricType Type, IReadOnlyList<string> Labels, string Help, string? Source = null, IReadOnlyList<double>? Buckets = null);
