namespace Streams.Engine.Metrics;

/// <summary>How a metric's values behave, as Prometheus types them.</summary>
public enum MetricKind
{
    /// <summary>Only goes up (until the process restarts).</summary>
    Counter,

    /// <summary>A current value.</summary>
    Gauge,

    /// <summary>A distribution of observations in buckets.</summary>
    Histogram,
}
