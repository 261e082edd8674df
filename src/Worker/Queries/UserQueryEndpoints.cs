using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Personalization.Worker.Queries;

/// <summary>
/// The query API: <c>GET /v1/users/{userId}</c> for one user and <c>GET /v1/users?id=…&amp;id=…</c> for a batch, on
/// <c>Http:Port</c> or on <c>Queries:Port</c> alone. Every answer names the instance that read its stores.
/// </summary>
internal static class UserQueryEndpoints
{
    public static void Map(WebApplication app, QueryOptions options, int httpPort)
    {
        var queries = app.Services.GetRequiredService<UserQueryService>();
        var group = app.MapGroup("/v1/users");
        if (options.EffectivePort(httpPort) != httpPort)
        {
            // On a port of their own, the queries answer only there, and metrics and health checks only on Http:Port.
            group.RequireHost($"*:{options.Port}");
        }

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
    }

    private static QueryHop? Hop(HttpContext context) => UserQueryService.HopOf(context.Request.Headers[UserQueryService.ForwardedHeader]);

    private static IResult UnknownHop() => Results.Json(
        new { error = $"{UserQueryService.ForwardedHeader} takes 'owner' or 'standby' (it is set by the worker's own forwarding)" },
        UserQueryService.Json, statusCode: StatusCodes.Status400BadRequest);
}
