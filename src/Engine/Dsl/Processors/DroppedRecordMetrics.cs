using Streams.Engine.Metrics;

namespace Streams.Engine.Dsl.Processors;

/// <summary>Records a stateful step drops, by the store it keeps; topologies' own processors count theirs here too.</summary>
public static class DroppedRecordMetrics
{
    public static readonly MetricDescriptor LateRecordsDropped = MetricDescriptor.Counter(
        "streams_late_records_dropped_total", "records",
        "Records too late for any window (after window end plus grace, or beyond retention), by store.", "store");

    public static readonly MetricDescriptor NullKeyRecordsDropped = MetricDescriptor.Counter(
        "streams_null_key_records_dropped_total", "records", "Records without a key that a keyed stateful step cannot place, by store.", "store");
}
