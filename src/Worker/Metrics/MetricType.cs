namespace Personalization.Worker.Metrics;

/// <summary>The Prometheus type of an exported metric.</summary>
public enum MetricType
{
    Counter,
    Gauge,
    Histogram,
}
