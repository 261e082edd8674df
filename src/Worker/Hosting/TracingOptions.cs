namespace Personalization.Worker.Hosting;

/// <summary>
/// Section "Tracing": OpenTelemetry traces over OTLP, off by default. The exporter reads the standard variables
/// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>OTEL_EXPORTER_OTLP_HEADERS</c>,
/// <c>OTEL_SERVICE_NAME</c>, <c>OTEL_RESOURCE_ATTRIBUTES</c>).
/// </summary>
internal sealed class TracingOptions
{
    public bool Enabled { get; set; }

    /// <summary>
    /// The share of records without an upstream trace decision that start a sampled trace; a record whose producer
    /// sampled it (the <c>traceparent</c> flag) is always followed.
    /// </summary>
    public double SampleRatio { get; set; } = 0.01;
}
