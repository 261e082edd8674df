using System.Diagnostics;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Personalization.Topology.Serving;
using Personalization.Worker.Hosting;
using Streams.Engine.Metrics;
using Streams.Engine.Queries;
using Streams.Engine.Serialization;

namespace Personalization.Worker.Queries;

/// <summary>
/// Answers user-state lookups: from this instance's stores when it runs the user's task, otherwise by forwarding the
/// request to the instance that does (found in the instance directory), within <see cref="QueryOptions.ForwardTimeout"/>.
/// A forwarded request is answered locally or refused, never forwarded again, so ownership moving during a rebalance
/// cannot bounce a request around.
/// </summary>
internal sealed partial class UserQueryService : IDisposable
{
    /// <summary>Marks a request one instance forwarded to another.</summary>
    public const string ForwardedHeader = "X-Streams-Forwarded";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // Timestamps keep their '+' rather than '\u002B': the answers are read by people too.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper) },
    };

    private readonly StreamsService _streams;
    private readonly QueryOptions _options;
    private readonly ILogger<UserQueryService> _logger;
    private readonly HttpClient _http;
    private readonly Histogram _localDuration;
    private readonly Histogram _forwardedDuration;
    private readonly Histogram _batchDuration;
    private readonly Dictionary<(string Route, string Outcome), Counter> _lookups = [];

    public UserQueryService(StreamsService streams, QueryOptions options, StreamsMetrics metrics, ILogger<UserQueryService> logger)
    {
        _streams = streams;
        _options = options;
        _logger = logger;
        foreach (var route in new[] { "local", "forwarded" })
        {
            foreach (var outcome in new[] { "found", "not_found", "unavailable" })
            {
                _lookups[(route, outcome)] = metrics.Counter(QueryMetrics.Lookups, route, outcome);
            }
        }

        _http = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = options.ForwardTimeout,
            UseProxy = false,
        })
        { Timeout = Timeout.InfiniteTimeSpan };
        _localDuration = metrics.Histogram(QueryMetrics.Duration, "local");
        _forwardedDuration = metrics.Histogram(QueryMetrics.Duration, "forwarded");
        _batchDuration = metrics.Histogram(QueryMetrics.Duration, "batch");
    }

    public int MaxBatchSize => _options.MaxBatchSize;

    /// <summary>One user: the answer to write, with its status; a forwarded request's answer is relayed as the owner wrote it.</summary>
    public async Task<(int Status, string Json)> LookupAsync(string userId, bool forwarded, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var (local, owner) = LookupLocal(userId, forwarded);
        if (owner is null)
        {
            Count("local", local.Status);
            _localDuration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
            return (local.Status, JsonSerializer.Serialize(local, Json));
        }

        var (status, json) = await ForwardAsync(owner, $"/v1/users/{Uri.EscapeDataString(userId)}", cancellationToken);
        _forwardedDuration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        if (json is null)
        {
            var unavailable = Unavailable(userId, status);
            Count("forwarded", unavailable.Status);
            return (unavailable.Status, JsonSerializer.Serialize(unavailable, Json));
        }

        Count("forwarded", status);
        return (status, json);
    }

    /// <summary>Several users: each answered locally or by its owner (one forwarded request per owner), in the order asked.</summary>
    public async Task<JsonObject> LookupBatchAsync(IReadOnlyList<string> userIds, bool forwarded, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var answers = new JsonNode?[userIds.Count];
        var remote = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < userIds.Count; i++)
        {
            var (local, owner) = LookupLocal(userIds[i], forwarded);
            if (owner is null)
            {
                Count("local", local.Status);
                answers[i] = JsonSerializer.SerializeToNode(local, Json);
            }
            else
            {
                if (!remote.TryGetValue(owner, out var indexes))
                {
                    remote[owner] = indexes = [];
                }

                indexes.Add(i);
            }
        }

        await Task.WhenAll(remote.Select(async group =>
        {
            var query = string.Join('&', group.Value.Select(i => "id=" + Uri.EscapeDataString(userIds[i])));
            var (status, json) = await ForwardAsync(group.Key, $"/v1/users?{query}", cancellationToken);
            var users = json is null || status != (int)HttpStatusCode.OK ? null : JsonNode.Parse(json)?["users"]?.AsArray();
            for (var k = 0; k < group.Value.Count; k++)
            {
                var index = group.Value[k];
                if (users is not null && k < users.Count)
                {
                    answers[index] = users[k]?.DeepClone();
                    Count("forwarded", users[k]?["status"]?.GetValue<int>() ?? 503);
                }
                else
                {
                    var unavailable = Unavailable(userIds[index], status);
                    Count("forwarded", unavailable.Status);
                    answers[index] = JsonSerializer.SerializeToNode(unavailable, Json);
                }
            }
        }));

        _batchDuration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        return new JsonObject { ["users"] = new JsonArray(answers) };
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The local answer, or the endpoint of the owner to forward to.</summary>
    private (UserStateResponse Answer, string? Owner) LookupLocal(string userId, bool forwarded)
    {
        var self = Self();
        if (_streams.Streams is not { } streams)
        {
            return (new UserStateResponse(userId, 503, self, Error: "the worker is starting"), null);
        }

        StoreQueryResult<UserState?> result;
        try
        {
            result = streams.Query(UserStateQuery.RoutingStore, userId, Serdes.String, stores => UserStateQuery.Read(stores, userId));
        }
        catch (InvalidOperationException)
        {
            return (new UserStateResponse(userId, 503, self, Error: "the worker is starting"), null);
        }

        switch (result.Status)
        {
            case QueryStatus.Answered:
                var stream = result.StreamTime >= 0 ? DateTimeOffset.FromUnixTimeMilliseconds(result.StreamTime) : (DateTimeOffset?)null;
                return result.Value is { } state
                    ? (new UserStateResponse(userId, 200, self, "active", stream, result.LagRecords, state.Attributes,
                        new LatestScoresView(state.Fraud, state.Propensity), state.Features), null)
                    : (new UserStateResponse(userId, 404, self, "active", stream, result.LagRecords, Error: "no state for this user: never seen, or forgotten"), null);
            case QueryStatus.Restoring:
                return (new UserStateResponse(userId, 503, self, Error: $"task {result.Task} is restoring its stores on this instance"), null);
            case QueryStatus.NotRunning:
                return (new UserStateResponse(userId, 503, self, Error: $"the worker is {streams.State}"), null);
        }

        if (forwarded)
        {
            // The forwarding instance thought this one owned the task; ownership has moved (a rebalance). 421 tells it so.
            return (new UserStateResponse(userId, (int)HttpStatusCode.MisdirectedRequest, self, Error: $"task {result.Task} is not on this instance"), null);
        }

        var metadata = streams.QueryMetadataForKey(UserStateQuery.RoutingStore, userId, Serdes.String);
        if (metadata.Active is { IsLocal: false, Endpoint: { } endpoint })
        {
            return (null!, endpoint);
        }

        return (new UserStateResponse(userId, 503, self, Error: $"no live instance runs task {result.Task} now (a rebalance or a failover is in progress)"), null);
    }

    /// <summary>Forwards a query API path to another instance; a null body means it did not answer in time.</summary>
    private async Task<(int Status, string? Json)> ForwardAsync(string endpoint, string pathAndQuery, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ForwardTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, endpoint.TrimEnd('/') + pathAndQuery);
            request.Headers.Add(ForwardedHeader, "1");
            using var response = await _http.SendAsync(request, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            // A 421 from the owner: it no longer runs the task (a rebalance moved it); the caller retries shortly.
            return response.StatusCode == HttpStatusCode.MisdirectedRequest ? (421, null) : ((int)response.StatusCode, body);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogForwardFailed(endpoint, e.Message);
            return (0, null);
        }
    }

    private UserStateResponse Unavailable(string userId, int ownerStatus) => new(
        userId, 503, Self(),
        Error: ownerStatus == 421 ? "the owning instance just gave the user's task up (a rebalance); ask again"
            : ownerStatus == 0 ? $"the owning instance did not answer within {_options.ForwardTimeout.TotalMilliseconds:0} ms"
            : $"the owning instance answered {ownerStatus}");

    private AnsweringInstance Self() => new(_streams.Streams?.ProcessId ?? "", _streams.Streams is null ? null : _streams.AdvertisedEndpoint);

    private void Count(string route, int status) =>
        _lookups[(route, status switch { 200 => "found", 404 => "not_found", _ => "unavailable" })].Increment();

    [LoggerMessage(Level = LogLevel.Warning, Message = "A query forwarded to {Endpoint} failed: {Reason}")]
    private partial void LogForwardFailed(string endpoint, string reason);
}
