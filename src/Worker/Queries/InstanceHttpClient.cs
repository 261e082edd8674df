namespace Personalization.Worker.Queries;

/// <summary>
/// The HTTP client one instance calls another with (a forwarded lookup, the fleet view): direct, never through a
/// proxy; connecting within <see cref="QueryOptions.ForwardTimeout"/>; each call bounded by its caller's own timeout.
/// </summary>
internal static class InstanceHttpClient
{
    public static HttpClient Create(QueryOptions options) =>
        new(new SocketsHttpHandler
        {
            // Pods come and go behind the same names: pooled connections are renewed rather than kept for ever.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = options.ForwardTimeout,
            UseProxy = false,
        })
        { Timeout = Timeout.InfiniteTimeSpan };
}
