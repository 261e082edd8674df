using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Personalization.Worker.Queries;

/// <summary>
/// The query API: <c>GET /v1/users/{userId}</c> for one user and <c>GET /v1/users?id=…&amp;id=…</c> for a batch, on
/// <c>Http:Port</c> or on <c>Queries:Port</c> alone. Every answer names the instance that read its stores.
/// <c>GET /v1/users/{userId}/history?limit=</c> reads the user's recent records back from the topics
/// (<see cref="UserHistoryReader"/>). With the console enabled, the console's inspector gets the single-user routes
/// under <c>/console/users</c> on <c>Http:Port</c>.
/// </summary>
internal static class UserQueryEndpoints
{
    public static void Map(WebApplication app, QueryOptions options, int httpPort, bool console)
    {
        var group = app.MapGroup("/v1/users");
        var separatePort = options.EffectivePort(httpPort) != httpPort;
        if (separatePort)
        {
            // On a port of their own, the queries answer only there, and metrics and health checks only on Http:Port.
            group.RequireHost($"*:{options.Port}");
        }

        MapUser(app, group, options);
        var queries = app.Services.GetRequiredService<UserQueryService>();
        group.MapGet("", async (HttpContext context) =>
        {
            var ids = context.Request.Query["id"];
            if (ids.Count == 0 || ids.Count > queries.MaxBatchSize || ids.Any(string.IsNullOrEmpty))
            {
                return Results.Json(
                    new { error = $"ask for 1 to {queries.MaxBatchSize} users as ?id=…&id=…, none empty" }, UserQueryService.Json, statusCode: StatusCodes.Status400BadRequest);
            }

            if (Hop(context) is not { } hop)
            {
                return UnknownHop();
            }

            var answer = await queries.LookupBatchAsync([.. ids!], hop, context.RequestAborted);
            return Results.Json(answer, UserQueryService.Json);
        });

        if (console)
        {
            // The console's user inspector, on the console's own port: the same answers, so that it works also where
            // the query API has a port of its own that a network policy opens to the site but not to operators.
            var inspector = app.MapGroup("/console/users");
            if (separatePort)
            {
                inspector.RequireHost($"*:{httpPort}");
            }

            MapUser(app, inspector, options);
        }
    }

    /// <summary>One user's state (<c>/{userId}</c>) and history (<c>/{userId}/history</c>) under <paramref name="group"/>.</summary>
    private static void MapUser(WebApplication app, RouteGroupBuilder group, QueryOptions options)
    {
        var queries = app.Services.GetRequiredService<UserQueryService>();
        group.MapGet("/{userId}", async (string userId, HttpContext context) =>
        {
            if (Hop(context) is not { } hop)
            {
                return UnknownHop();
            }

            var (status, json) = await queries.LookupAsync(userId, hop, context.RequestAborted);
            if (status == StatusCodes.Status503ServiceUnavailable)
            {
                context.Response.Headers.RetryAfter = "1";
            }

            return Results.Content(json, "application/json", statusCode: status);
        });

        var history = app.Services.GetRequiredService<UserHistoryReader>();
        group.MapGet("/{userId}/history", async (string userId, int? limit, HttpContext context) =>
        {
            if (limit is < 1 || limit > options.HistoryMaxLimit)
            {
                return Results.Json(new { error = $"limit takes 1 to {options.HistoryMaxLimit}" }, UserQueryService.Json, statusCode: StatusCodes.Status400BadRequest);
            }

            return Results.Json(await history.ReadAsync(userId, limit ?? 50, context.RequestAborted), UserQueryService.Json);
        });
    }

    private static QueryHop? Hop(HttpContext context) => UserQueryService.HopOf(context.Request.Headers[UserQueryService.ForwardedHeader]);

    private static IResult UnknownHop() => Results.Json(
        new { error = $"{UserQueryService.ForwardedHeader} takes 'owner' or 'standby' (it is set by the worker's own forwarding)" },
        UserQueryService.Json, statusCode: StatusCodes.Status400BadRequest);
}
