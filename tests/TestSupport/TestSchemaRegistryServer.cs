using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Avro;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Streams.Avro;

namespace Streams.TestSupport;

/// <summary>
/// A real HTTP server that answers the subset of Confluent Schema Registry's REST API the client uses, as Confluent
/// documents it (paths, bodies, error_code values, BACKWARD compatibility), with knobs to fail, delay and require
/// basic authentication.
/// </summary>
public sealed class TestSchemaRegistryServer : IAsyncDisposable
{
    private const string ContentType = "application/vnd.schemaregistry.v1+json";

    private readonly WebApplication _app;
    private readonly List<string> _schemas = [];
    private readonly Dictionary<string, List<int>> _subjects = [];
    private int _failures;
    private int _delays;

    private TestSchemaRegistryServer(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>Every request as "METHOD /path".</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>When set, requests without this "user:password" get 401.</summary>
    public string? RequiredUserInfo { get; set; }

    /// <summary>When set, requests without this bearer token are refused with 401.</summary>
    public string? RequiredBearerToken { get; set; }

    /// <summary>The delay applied to requests while <see cref="DelayNext"/> lasts.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The next <paramref name="count"/> requests get 503 with a Confluent error body.</summary>
    public void FailNext(int count) => Interlocked.Exchange(ref _failures, count);

    /// <summary>The next <paramref name="count"/> requests are answered only after <see cref="Delay"/>.</summary>
    public void DelayNext(int count) => Interlocked.Exchange(ref _delays, count);

    /// <summary>Starts the server on a free port, over https with <paramref name="certificate"/> when one is given.</summary>
    public static async Task<TestSchemaRegistryServer> StartAsync(X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        if (certificate is null)
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }
        else
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        }

        builder.Logging.ClearProviders();
        var server = new TestSchemaRegistryServer(builder.Build());
        server.MapRoutes();
        await server._app.StartAsync();
        var address = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        // Kestrel reports the loopback address; the certificate is issued to localhost.
        server.Url = certificate is null ? address : address.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        return server;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private void MapRoutes()
    {
        _app.Use(async (context, next) =>
        {
            Requests.Enqueue($"{context.Request.Method} {context.Request.Path}");
            var authorization = context.Request.Headers.Authorization.ToString();
            if ((RequiredUserInfo is { } userInfo && authorization != "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(userInfo)))
                || (RequiredBearerToken is { } token && authorization != "Bearer " + token))
            {
                await Error(context, 401, 40101, "Unauthorized");
                return;
            }

            if (Interlocked.Decrement(ref _failures) >= 0)
            {
                await Error(context, 503, 50003, "Error while forwarding the request to the leader");
                return;
            }

            if (Interlocked.Decrement(ref _delays) >= 0)
            {
                await Task.Delay(Delay, context.RequestAborted);
            }

            await next(context);
        });

        _app.MapPost("/subjects/{subject}/versions", async (HttpContext context, string subject) =>
        {
            if (await ReadSchema(context) is not { } schema)
            {
                return;
            }

            int id;
            string? conflict = null;
            lock (_schemas)
            {
                var versions = _subjects.GetValueOrDefault(subject) ?? [];
                id = IdOf(schema);
                if (id == 0 || !versions.Contains(id))
                {
                    if (versions.Count > 0)
                    {
                        var problems = AvroCompatibility.ReadProblems(schema, Schema.Parse(_schemas[versions[^1] - 1]));
                        conflict = problems.Count > 0 ? string.Join("; ", problems) : null;
                    }

                    if (conflict is null && id == 0)
                    {
                        _schemas.Add(schema.ToString());
                        id = _schemas.Count;
                    }

                    if (conflict is null)
                    {
                        _subjects[subject] = [.. versions, id];
                    }
                }
            }

            await (conflict is null
                ? Json(context, new JsonObject { ["id"] = id })
                : Error(context, 409, 409, $"Schema being registered is incompatible with an earlier schema for subject \"{subject}\", details: {conflict}"));
        });

        _app.MapPost("/subjects/{subject}", async (HttpContext context, string subject) =>
        {
            if (await ReadSchema(context) is not { } schema)
            {
                return;
            }

            JsonObject? found = null;
            var subjectExists = false;
            lock (_schemas)
            {
                if (_subjects.TryGetValue(subject, out var versions))
                {
                    subjectExists = true;
                    var id = IdOf(schema);
                    var index = versions.IndexOf(id);
                    if (index >= 0)
                    {
                        found = Version(subject, index + 1, id);
                    }
                }
            }

            await (found is not null ? Json(context, found)
                : subjectExists ? Error(context, 404, 40403, "Schema not found")
                : Error(context, 404, 40401, $"Subject '{subject}' not found."));
        });

        _app.MapGet("/schemas/ids/{id:int}", async (HttpContext context, int id) =>
        {
            string? schema;
            lock (_schemas)
            {
                schema = id >= 1 && id <= _schemas.Count ? _schemas[id - 1] : null;
            }

            await (schema is null ? Error(context, 404, 40403, $"Schema {id} not found") : Json(context, new JsonObject { ["schema"] = schema }));
        });

        _app.MapGet("/subjects/{subject}/versions/latest", async (HttpContext context, string subject) =>
        {
            JsonObject? latest = null;
            lock (_schemas)
            {
                if (_subjects.TryGetValue(subject, out var versions))
                {
                    latest = Version(subject, versions.Count, versions[^1]);
                }
            }

            await (latest is null ? Error(context, 404, 40401, $"Subject '{subject}' not found.") : Json(context, latest));
        });

        _app.MapPost("/compatibility/subjects/{subject}/versions/latest", async (HttpContext context, string subject) =>
        {
            if (await ReadSchema(context) is not { } schema)
            {
                return;
            }

            Schema? latest = null;
            lock (_schemas)
            {
                if (_subjects.TryGetValue(subject, out var versions))
                {
                    latest = Schema.Parse(_schemas[versions[^1] - 1]);
                }
            }

            if (latest is null)
            {
                await Error(context, 404, 40401, $"Subject '{subject}' not found.");
                return;
            }

            var problems = AvroCompatibility.ReadProblems(schema, latest);
            await Json(context, new JsonObject { ["is_compatible"] = problems.Count == 0, ["messages"] = new JsonArray([.. problems.Select(p => JsonValue.Create(p))]) });
        });
    }

    private int IdOf(Schema schema)
    {
        var text = schema.ToString();
        return _schemas.IndexOf(text) + 1;
    }

    private JsonObject Version(string subject, int version, int id) =>
        new() { ["subject"] = subject, ["version"] = version, ["id"] = id, ["schema"] = _schemas[id - 1] };

    private static async Task<Schema?> ReadSchema(HttpContext context)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body);
        try
        {
            return Schema.Parse(body?["schema"]?.GetValue<string>() ?? "");
        }
        catch (SchemaParseException e)
        {
            await Error(context, 422, 42201, $"Invalid schema: {e.Message}");
            return null;
        }
    }

    private static async Task Json(HttpContext context, JsonObject body)
    {
        context.Response.ContentType = ContentType;
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private static async Task Error(HttpContext context, int status, int errorCode, string message)
    {
        context.Response.StatusCode = status;
        await Json(context, new JsonObject { ["error_code"] = errorCode, ["message"] = message });
    }
}
