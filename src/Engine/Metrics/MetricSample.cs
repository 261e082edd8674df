namespace Streams.Engine.Metrics;

/// <summary>One metric value at snapshot time.</summary>
public readonly record struct MetricSample(string Name, string Label, double Value, bool IsCounter);
