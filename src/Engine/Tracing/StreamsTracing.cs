using System.Diagnostics;
using System.Text;
using Confluent.Kafka;

namespace Streams.Engine.Tracing;

/// <summary>
/// Distributed tracing with System.Diagnostics activities, in W3C trace context carried in record headers
/// (<c>traceparent</c>, <c>tracestate</c>). The engine starts one span per processed record, a child of the context
/// the record arrived with; outputs produced under a span carry that span's context. With nothing listening to
/// <see cref="SourceName"/> (tracing off, the default) no activity is created and no header is touched.
/// </summary>
public static class StreamsTracing
{
    /// <summary>The <see cref="ActivitySource"/> name of the engine's spans; a tracer provider subscribes to it.</summary>
    public const string SourceName = "Streams.Engine";

    /// <summary>The W3C trace-context header with the trace id, span id and flags.</summary>
    public const string TraceParentHeader = "traceparent";

    /// <summary>The W3C header with vendor-specific trace state.</summary>
    public const string TraceStateHeader = "tracestate";

    internal static readonly ActivitySource Source = new(SourceName);

    /// <summary>True while a tracer provider listens to the engine's spans.</summary>
    public static bool IsEnabled => Source.HasListeners();

    /// <summary>
    /// The W3C <c>traceparent</c> of the record being processed: the current span's (a child of the context the record
    /// arrived with), else the record's own header; null when there is neither. What a processor keeps to link a later
    /// output to the records that caused it.
    /// </summary>
    public static string? CurrentTraceParent(Headers? headers)
    {
        if (Activity.Current is { } span)
        {
            return span.Id;
        }

        return TryExtract(headers, out var context) ? Format(context) : null;
    }

    /// <summary>A context in the W3C <c>traceparent</c> form.</summary>
    public static string Format(ActivityContext context) =>
        $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{((context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00")}";

    /// <summary>The trace context in <paramref name="headers"/>, if they carry a valid <c>traceparent</c>.</summary>
    public static bool TryExtract(Headers? headers, out ActivityContext context)
    {
        context = default;
        if (headers is null || !headers.TryGetLastBytes(TraceParentHeader, out var parent))
        {
            return false;
        }

        var state = headers.TryGetLastBytes(TraceStateHeader, out var stateBytes) ? Encoding.ASCII.GetString(stateBytes) : null;
        return ActivityContext.TryParse(Encoding.ASCII.GetString(parent), state, out context);
    }

    /// <summary>
    /// The headers an output should carry under <paramref name="activity"/>: <paramref name="headers"/> with its trace
    /// context replaced by the activity's. Returns a new instance, since headers are shared between forwarded records.
    /// </summary>
    public static Headers Inject(Activity activity, Headers? headers)
    {
        var result = new Headers();
        foreach (var header in headers ?? [])
        {
            if (header.Key is not (TraceParentHeader or TraceStateHeader))
            {
                result.Add(header.Key, header.GetValueBytes());
            }
        }

        result.Add(TraceParentHeader, Encoding.ASCII.GetBytes(activity.Id!));
        if (!string.IsNullOrEmpty(activity.TraceStateString))
        {
            result.Add(TraceStateHeader, Encoding.ASCII.GetBytes(activity.TraceStateString));
        }

        return result;
    }

    /// <summary>Starts the span of processing one record, or returns null when nothing listens.</summary>
    internal static Activity? StartProcessing(ConsumeResult<byte[], byte[]> raw, string task)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        TryExtract(raw.Message.Headers, out var parent);
        var activity = Source.StartActivity($"process {raw.Topic}", ActivityKind.Consumer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "kafka");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", raw.Topic);
            activity.SetTag("messaging.destination.partition.id", raw.Partition.Value);
            activity.SetTag("messaging.kafka.offset", raw.Offset.Value);
            activity.SetTag("streams.task", task);
        }

        return activity;
    }
}
