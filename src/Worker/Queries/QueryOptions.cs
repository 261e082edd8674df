namespace Personalization.Worker.Queries;

/// <summary>
/// Section "Queries": the user-state query API (<c>/v1/users</c>). Each instance advertises where it answers with
/// <c>Streams:ApplicationServer</c>; without it an instance answers only the users whose partitions it runs.
/// </summary>
internal sealed class QueryOptions
{
    /// <summary>Serve the query API; false removes the endpoints (and nothing is advertised).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// A port of its own for the query API, so that a network policy can expose it to the site and bidders while
    /// <c>/metrics</c> and the health checks stay on <c>Http:Port</c>; 0 serves it on <c>Http:Port</c>.
    /// </summary>
    public int Port { get; set; }

    /// <summary>How long a request forwarded to the owning instance may take before the caller gets a 503.</summary>
    public TimeSpan ForwardTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The most users one batch request may ask for.</summary>
    public int MaxBatchSize { get; set; } = 100;

    /// <summary>
    /// How many records before the end of each topic's partition a history request (<c>/v1/users/{id}/history</c>)
    /// searches for the user's records: the bound on what one request reads from the cluster.
    /// </summary>
    public int HistoryScanRecords { get; set; } = 50_000;

    /// <summary>How long a history request may read before it answers with what it has found (marked partial).</summary>
    public TimeSpan HistoryTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The most records of each kind a history request returns (it asks with <c>?limit=</c>).</summary>
    public int HistoryMaxLimit { get; set; } = 500;

    /// <summary>The port the query API listens on.</summary>
    public int EffectivePort(int httpPort) => Port == 0 ? httpPort : Port;
}
