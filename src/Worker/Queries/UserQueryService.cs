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
/// request to the instance that does (found in the instance directory), within <see cref="QueryOptions.ForwardTimeout"/>;
/// when the owner is gone or does not answer, from a standby replica (this instance's, else another's), marked as such
/// with its lag. A forwarded request is answered locally or refused, never forwarded again, so ownership moving during
/// a rebalance cannot bounce a request around.
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

        _http = InstanceHttpClient.Create(options);
        _localDuration = metrics.Histogram(QueryMetrics.Duration, "local");
        _forwardedDuration = metrics.Histogram(QueryMetrics.Duration, "forwarded");
        _batchDuration = metrics.Histogram(QueryMetrics.Duration, "batch");
    }

    public int MaxBatchSize => _options.MaxBatchSize;

    /// <summary>The hop a request's <see cref="ForwardedHeader"/> names; null for a value this version does not send.</summary>
    public static QueryHop? HopOf(string? header) => header switch
    {
        null or "" => QueryHop.Client,
        "owner" => QueryHop.Owner,
        "standby" => QueryHop.Standby,
        _ => null,
    };

    /// <summary>One user: the answer to write, with its status; a forwarded request's answer is relayed as its instance wrote it.</summary>
    public async Task<(int Status, string Json)> LookupAsync(string userId, QueryHop hop, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var local = LookupLocal(userId, hop);
        if (local is not null)
        {
            Count("local", local.Status);
            _localDuration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
            return (local.Status, JsonSerializer.Serialize(local, Json));
        }

        var (status, json) = await LookupElsewhereAsync(userId, cancellationToken);
        _forwardedDuration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        Count("forwarded", status);
        return (status, json);
    }

    /// <summary>
    /// Several users, answered in the order asked: each locally, or by its owner with one forwarded request per owner;
    /// a user whose owner does not answer is looked up alone, which tries the standbys.
    /// </summary>
    public async Task<JsonObject> LookupBatchAsync(IReadOnlyList<string> userIds, QueryHop hop, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var answers = new JsonNode?[userIds.Count];
        var byOwner = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var alone = new List<int>();
        for (var i = 0; i < userIds.Count; i++)
        {
            if (LookupLocal(userIds[i], hop) is { } local)
            {
                Count("local", local.Status);
                answers[i] = JsonSerializer.SerializeToNode(local, Json);
            }
            else if (Owner(userIds[i]) is { } owner)
            {
                if (!byOwner.TryGetValue(owner, out var indexes))
                {
                    byOwner[owner] = indexes = [];
                }

                indexes.Add(i);
            }
            else
            {
                alone.Add(i);
            }
        }

        await Task.WhenAll(byOwner.Select(async group =>
        {
            var query = string.Join('&', group.Value.Select(i => "id=" + Uri.EscapeDataString(userIds[i])));
            var (status, json) = await ForwardAsync(group.Key, $"/v1/users?{query}", QueryHop.Owner, cancellationToken);
            var users = json is null || status != (int)HttpStatusCode.OK ? null : JsonNode.Parse(json)?["users"]?.AsArray();
            for (var k = 0; k < group.Value.Count; k++)
            {
                var entry = users is not null && k < users.Count ? users[k] : null;
                if (entry?["status"]?.GetValue<int>() is { } entryStatus and not (int)HttpStatusCode.MisdirectedRequest)
                {
                    Count("forwarded", entryStatus);
                    answers[group.Value[k]] = entry.DeepClone();
                }
                else
                {
                    lock (alone)
                    {
                        alone.Add(group.Value[k]);
                    }
                }
            }
        }));

        await Task.WhenAll(alone.Select(async index =>
        {
            var (status, json) = await LookupElsewhereAsync(userIds[index], cancellationToken);
            Count("forwarded", status);
            answers[index] = JsonNode.Parse(json);
        }));

        _batchDuration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        return new JsonObject { ["users"] = new JsonArray(answers) };
    }

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// The answer from this instance's stores, or null when another instance must answer. A forwarded request is
    /// never forwarded again: not hosted here, it gets a 421 (the forwarder's view was out of date).
    /// </summary>
    private UserStateResponse? LookupLocal(string userId, QueryHop hop)
    {
        if (_streams.Streams is not { } streams)
        {
            return new UserStateResponse(userId, 503, Self(), Error: "the worker is starting");
        }

        StoreQueryResult<UserState?> result;
        try
        {
            result = streams.Query(UserStateQuery.RoutingStore, userId, Serdes.String, stores => UserStateQuery.Read(stores, userId), allowStandby: hop == QueryHop.Standby);
        }
        catch (InvalidOperationException)
        {
            return new UserStateResponse(userId, 503, Self(), Error: "the worker is starting");
        }

        return result.Status switch
        {
            QueryStatus.Answered => Answer(userId, result),
            QueryStatus.Restoring => new UserStateResponse(userId, 503, Self(), Error: $"task {result.Task} is restoring its stores on this instance"),
            QueryStatus.NotRunning => new UserStateResponse(userId, 503, Self(), Error: $"the worker is {streams.State}"),
            _ when hop != QueryHop.Client => new UserStateResponse(userId, (int)HttpStatusCode.MisdirectedRequest, Self(), Error: $"task {result.Task} is not on this instance"),
            _ => null,
        };
    }

    /// <summary>
    /// A user another instance holds: its owner, and if the owner cannot answer (gone, or no answer in time) a
    /// standby, this instance's own first; a 503 when none can.
    /// </summary>
    private async Task<(int Status, string Json)> LookupElsewhereAsync(string userId, CancellationToken cancellationToken)
    {
        var streams = _streams.Streams!;
        var metadata = streams.QueryMetadataForKey(UserStateQuery.RoutingStore, userId, Serdes.String);
        var path = $"/v1/users/{Uri.EscapeDataString(userId)}";
        var ownerStatus = -1;
        if (metadata.Active is { IsLocal: false, Endpoint: { } owner })
        {
            var (status, json) = await ForwardAsync(owner, path, QueryHop.Owner, cancellationToken);
            if (json is not null)
            {
                return (status, json);
            }

            ownerStatus = status;
        }

        if (LookupLocal(userId, QueryHop.Standby) is { Status: not (int)HttpStatusCode.MisdirectedRequest } standbyHere)
        {
            return (standbyHere.Status, JsonSerializer.Serialize(standbyHere, Json));
        }

        foreach (var standby in metadata.Standbys.Where(s => !s.IsLocal && s.Endpoint is not null))
        {
            var (status, json) = await ForwardAsync(standby.Endpoint!, path, QueryHop.Standby, cancellationToken);
            if (json is not null)
            {
                return (status, json);
            }
        }

        var unavailable = new UserStateResponse(userId, 503, Self(), Error: ownerStatus switch
        {
            -1 => $"no live instance runs task {metadata.Task} now (a rebalance or a failover is in progress), and no standby answered",
            421 => "the owning instance just gave the user's task up (a rebalance), and no standby answered; ask again",
            0 => $"the owning instance did not answer within {_options.ForwardTimeout.TotalMilliseconds:0} ms, and no standby answered",
            _ => $"the owning instance answered {ownerStatus}, and no standby answered",
        });
        return (503, JsonSerializer.Serialize(unavailable, Json));
    }

    /// <summary>The endpoint of another live instance that runs the user's task, if any.</summary>
    private string? Owner(string userId) =>
        _streams.Streams!.QueryMetadataForKey(UserStateQuery.RoutingStore, userId, Serdes.String).Active is { IsLocal: false, Endpoint: { } endpoint } ? endpoint : null;

    private UserStateResponse Answer(string userId, StoreQueryResult<UserState?> result)
    {
        var source = result.IsStandby ? "standby" : "active";
        var stream = result.StreamTime >= 0 ? DateTimeOffset.FromUnixTimeMilliseconds(result.StreamTime) : (DateTimeOffset?)null;
        return result.Value is { } state
            ? new UserStateResponse(
                userId, 200, Self(), source, stream, result.LagRecords, state.Attributes, new LatestScoresView(state.Fraud, state.Propensity), state.Features,
                state.RecentActivity, state.PendingDecisions, state.SentTriggers)
            : new UserStateResponse(userId, 404, Self(), source, stream, result.LagRecords, Error: "no state for this user: never seen, or forgotten");
    }

    /// <summary>Forwards a query API path to another instance; a null body means it did not answer in time.</summary>
    private async Task<(int Status, string? Json)> ForwardAsync(string endpoint, string pathAndQuery, QueryHop hop, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ForwardTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, endpoint.TrimEnd('/') + pathAndQuery);
            request.Headers.Add(ForwardedHeader, hop == QueryHop.Standby ? "standby" : "owner");
            using var response = await _http.SendAsync(request, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            // A 421: that instance no longer holds the task (a rebalance moved it).
            return response.StatusCode == HttpStatusCode.MisdirectedRequest ? (421, null) : ((int)response.StatusCode, body);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogForwardFailed(endpoint, e.Message);
            return (0, null);
        }
    }

    private AnsweringInstance Self() => AnsweringInstance.Of(_streams);

    private void Count(string route, int status) =>
        _lookups[(route, status switch { 200 => "found", 404 => "not_found", _ => "unavailable" })].Increment();

    [LoggerMessage(Level = LogLevel.Warning, Message = "A query forwarded to {Endpoint} failed: {Reason}")]
    private partial void LogForwardFailed(string endpoint, string reason);
}
