using Streams.Engine.Metrics;

namespace Streams.Engine.State;

/// <summary>The metrics of the state stores, counted where processors and queries call them.</summary>
public static class StateStoreMetrics
{
    public static readonly MetricDescriptor Operations = MetricDescriptor.Counter(
        "streams_state_store_operations_total", "operations",
        "Calls on a state store by processors and queries, all tasks of the instance together, by store and operation (get, put, delete, range; a window "
        + "or session fetch is one range per segment it reads). Compare with streams_records_consumed_total for a topology's store work per record; "
        + "the record cache answers or absorbs many of them (streams_record_cache_reads_total).",
        "store", "operation");
}
