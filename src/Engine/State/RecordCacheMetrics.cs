using Streams.Engine.Metrics;

namespace Streams.Engine.State;

/// <summary>The metrics of the stream threads' record caches (statestore.cache.max.bytes).</summary>
public static class RecordCacheMetrics
{
    public static readonly MetricDescriptor Reads = MetricDescriptor.Counter(
        "streams_record_cache_reads_total", "reads",
        "Store reads of a stream thread by whether its record cache answered them (result: hit, miss).", "thread", "result");

    public static readonly MetricDescriptor Evictions = MetricDescriptor.Counter(
        "streams_record_cache_evictions_total", "evictions",
        "Times a stream thread's record cache was full and wrote out and emptied its largest store cache before the commit.", "thread");

    public static readonly MetricDescriptor Bytes = MetricDescriptor.Gauge(
        "streams_record_cache_bytes", "bytes", "Bytes held in a stream thread's record cache at its last commit (statestore.cache.max.bytes bounds it).", "thread");
}
