using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Personalization.Worker.Queries;

namespace Personalization.Worker.WebConsole;

/// <summary>
/// <c>GET /v1/pipeline</c> and <c>GET /v1/instances</c> (always) and, unless <c>Console:Enabled</c> is false, the read-only console at
/// <c>/console/</c>: three files embedded in the worker's assembly, so it works without network access; with
/// <c>Console:AllowForget</c>, <c>POST /console/forget/{userId}</c> writes a forget request (202 with where it went).
/// </summary>
internal static class ConsoleEndpoints
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        ["index.html"] = "text/html; charset=utf-8",
        ["console.css"] = "text/css; charset=utf-8",
        ["console.js"] = "text/javascript; charset=utf-8",
    };

    public static void Map(RouteGroupBuilder operations, PipelineView view, FleetView fleet, ForgetRequester forget, ConsoleOptions options)
    {
        operations.MapGet("/v1/pipeline", () => Results.Json(view.Snapshot(), UserQueryService.Json));
        operations.MapGet("/v1/instances", async (CancellationToken aborted) => Results.Json(await fleet.SnapshotAsync(aborted), UserQueryService.Json));
        if (!options.Enabled)
        {
            return;
        }

        operations.MapGet("/console/settings", () => Results.Json(new { allow_forget = options.AllowForget }, UserQueryService.Json));
        if (options.AllowForget)
        {
            operations.MapPost("/console/forget/{userId}", async (string userId, HttpContext context) =>
            {
                var written = await forget.ForgetAsync(userId, context.RequestAborted);
                return Results.Json(
                    new { user_id = userId, topic = written.Topic, partition = written.Partition.Value, offset = written.Offset.Value },
                    UserQueryService.Json, statusCode: StatusCodes.Status202Accepted);
            });
        }

        var assets = ContentTypes.ToDictionary(entry => entry.Key, entry => (Bytes: Read(entry.Key), Type: entry.Value), StringComparer.Ordinal);
        operations.MapGet("/console/{file?}", (string? file) =>
            assets.TryGetValue(string.IsNullOrEmpty(file) ? "index.html" : file, out var asset)
                ? Results.Bytes(asset.Bytes, asset.Type)
                : Results.NotFound());
    }

    private static byte[] Read(string file)
    {
        using var stream = typeof(ConsoleEndpoints).Assembly.GetManifestResourceStream($"console/{file}")
            ?? throw new InvalidOperationException($"The console's {file} is not embedded in the worker.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
