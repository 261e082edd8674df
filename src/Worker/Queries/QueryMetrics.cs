using Streams.Engine.Metrics;

namespace Personalization.Worker.Queries;

/// <summary>The query API's metrics: requests by how they were answered, and how long answering took.</summary>
internal static class QueryMetrics
{
    public static readonly MetricDescriptor Lookups = MetricDescriptor.Counter(
        "streams_query_lookups_total", "lookups",
        "User lookups of the query API (a batch counts each user), by route (local, forwarded) and outcome (found, not_found, unavailable).",
        "route", "outcome");

    public static readonly MetricDescriptor Duration = MetricDescriptor.Histogram(
        "streams_query_duration_seconds", "Time to answer a query API request, by route (local, forwarded, batch, history).",
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], "route");
}
