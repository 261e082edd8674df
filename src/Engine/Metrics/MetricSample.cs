namespace Streams.Engine.Metrics;

/// <summary>One counter or gauge at snapshot time: the metric, its label values (in the order of its label names) and value.</summary>
public readonly record struct MetricSample(MetricDescriptor Metric, IReadOnlyList<string> LabelValues, double Value);
