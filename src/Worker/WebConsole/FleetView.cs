using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Personalization.Worker.Hosting;
using Personalization.Worker.Queries;

namespace Personalization.Worker.WebConsole;

/// <summary>
/// <c>GET /v1/instances</c>: every live instance of the application, as the instance directory knows them, each with its
/// tasks and its own <c>/v1/pipeline</c> view, fetched from it for this request (this instance's read locally). So one
/// pod's console shows the whole deployment. An instance that advertises no endpoint, or does not answer within
/// <see cref="QueryOptions.ForwardTimeout"/>, is listed with its tasks and why its view is missing.
/// </summary>
internal sealed partial class FleetView : IDisposable
{
    private readonly StreamsService _service;
    private readonly PipelineView _local;
    private readonly QueryOptions _options;
    private readonly ILogger<FleetView> _logger;
    private readonly HttpClient _http;

    public FleetView(StreamsService service, PipelineView local, QueryOptions options, ILogger<FleetView> logger)
    {
        _service = service;
        _local = local;
        _options = options;
        _logger = logger;
        _http = InstanceHttpClient.Create(options);
    }

    public async Task<JsonObject> SnapshotAsync(CancellationToken cancellationToken)
    {
        var instances = _service.Streams?.Instances ?? [];
        var views = await Task.WhenAll(instances.Select(async instance =>
        {
            var (view, error) = instance.IsLocal
                ? (System.Text.Json.JsonSerializer.SerializeToNode(_local.Snapshot(), UserQueryService.Json), null)
                : instance.Endpoint is { } endpoint
                    ? await FetchAsync(endpoint, cancellationToken)
                    : (null, "advertises no endpoint (Streams:ApplicationServer)");
            return new JsonObject
            {
                ["process_id"] = instance.ProcessId,
                ["endpoint"] = instance.Endpoint,
                ["local"] = instance.IsLocal,
                ["last_seen"] = instance.LastSeen,
                ["active_tasks"] = new JsonArray([.. instance.ActiveTasks.Select(t => JsonValue.Create(t.ToString()))]),
                ["standby_tasks"] = new JsonArray([.. instance.StandbyTasks.Select(t => JsonValue.Create(t.ToString()))]),
                ["pipeline"] = view,
                ["error"] = error,
            };
        }));
        return new JsonObject { ["instances"] = new JsonArray([.. views.OrderBy(v => v["process_id"]!.GetValue<string>(), StringComparer.Ordinal)]) };
    }

    public void Dispose() => _http.Dispose();

    private async Task<(JsonNode? View, string? Error)> FetchAsync(string endpoint, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ForwardTimeout);
        try
        {
            using var response = await _http.GetAsync(endpoint.TrimEnd('/') + "/v1/pipeline", timeout.Token);
            return response.IsSuccessStatusCode
                ? (JsonNode.Parse(await response.Content.ReadAsStringAsync(timeout.Token)), null)
                : (null, $"answered {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogFetchFailed(endpoint, e.Message);
            return (null, e is OperationCanceledException ? $"did not answer within {_options.ForwardTimeout.TotalMilliseconds:0} ms" : e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The pipeline view of {Endpoint} could not be read: {Reason}")]
    private partial void LogFetchFailed(string endpoint, string reason);
}
