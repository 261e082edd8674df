using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Personalization.Topology;
using Personalization.Topology.Evaluation;
using Personalization.Topology.Records;
using Personalization.Topology.Scoring;
using Personalization.Worker.Metrics;
using Personalization.Worker.Queries;
using Personalization.Worker.WebConsole;
using Prometheus;
using Streams.Engine.Metrics;
using Streams.Engine.Runtime;
using Streams.Engine.Tracing;

namespace Personalization.Worker.Hosting;

/// <summary>
/// The worker process: configuration (appsettings.json, then environment variables such as
/// <c>Kafka__BootstrapServers</c>, then files in <c>SECRETS_DIR</c>, then command-line overrides), validated before
/// anything starts; the embedded cluster and demo traffic when no cluster is configured; the stream runtime; and one
/// HTTP port with <c>/metrics</c>, <c>/healthz/live</c>, <c>/healthz/ready</c> and the query API (<c>/v1/users</c>,
/// optionally on a port of its own).
/// </summary>
internal static class WorkerHost
{
    /// <summary>How long a stream thread may go without completing a loop before liveness fails.</summary>
    private static readonly TimeSpan StuckAfter = TimeSpan.FromSeconds(60);

    /// <summary>Builds the host; <paramref name="overrides"/> take precedence over every other source (tests).</summary>
    public static WebApplication Build(string[] args, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (WorkerConfiguration.SecretsDirectory is { } secrets)
        {
            AddBelowCommandLine(builder.Configuration, new ConfigurationBuilder().AddKeyPerFile(secrets, optional: true).Sources[0]);
        }

        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        var settings = WorkerSettings.Load(builder.Configuration, builder.Environment.ContentRootPath);
        ConfigureLogging(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ListenAnyIP(settings.Http.Port);
            if (settings.Queries.Enabled && settings.Queries.EffectivePort(settings.Http.Port) != settings.Http.Port)
            {
                kestrel.ListenAnyIP(settings.Queries.Port);
            }
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = settings.Shutdown.GracePeriod);

        var services = builder.Services;
        services.AddSingleton(settings);
        if (settings.Tracing.Enabled)
        {
            AddTracing(services, settings.Tracing);
        }

        services.AddSingleton<KafkaConnection>();
        services.AddSingleton(_ => RecordSerdes.Create(settings.SchemaRegistry, settings.AutoRegisterSchemas));
        services.AddSingleton<StreamsMetrics>();
        services.AddSingleton(provider => new ModelDirectory(
            settings.Models, provider.GetRequiredService<StreamsMetrics>(), provider.GetRequiredService<ILogger<ModelDirectory>>(), settings.Personalization.Scoring));
        services.AddSingleton(provider => new PolicyDirectory(
            settings.Personalization.Evaluation, provider.GetRequiredService<StreamsMetrics>(), provider.GetRequiredService<ILogger<PolicyDirectory>>()));
        services.AddSingleton(provider => new FraudGuardrail(settings.Personalization.Scoring, provider.GetRequiredService<StreamsMetrics>()));
        services.AddSingleton(provider => new MetricsExporter(
            provider.GetRequiredService<ModelDirectory>(), provider.GetRequiredService<FraudGuardrail>(), provider.GetRequiredService<StreamsMetrics>()));

        // Start order is registration order: the cluster before the runtime, the runtime before the demo traffic.
        if (settings.Kafka.IsEmbedded)
        {
            services.AddHostedService<EmbeddedKafkaService>();
        }

        services.AddSingleton<StreamsService>();
        services.AddSingleton(settings.Queries);
        services.AddSingleton<UserQueryService>();
        services.AddSingleton<UserHistoryReader>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<PipelineView>();
        services.AddSingleton<FleetView>();
        services.AddSingleton<ForgetRequester>();
        services.AddHostedService(provider => provider.GetRequiredService<StreamsService>());
        if (settings.Kafka.IsEmbedded && settings.Generator.Enabled)
        {
            services.AddHostedService<DemoGeneratorService>();
            services.AddHostedService<ConsoleSummaryService>();
        }

        var app = builder.Build();
        MapEndpoints(app, settings);
        if (settings.Queries.Enabled)
        {
            UserQueryEndpoints.Map(app, settings.Queries, settings.Http.Port, settings.Console.Enabled);
        }

        return app;
    }

    /// <summary>
    /// Spans of the engine (one per processed record, continuing the record's W3C trace context) and of the topology
    /// (the reward join's, linked to decisions and rewards), exported over OTLP as the standard OTEL_* variables say.
    /// Records whose producer made a sampling decision follow it; others are sampled at the configured ratio.
    /// </summary>
    private static void AddTracing(IServiceCollection services, TracingOptions options)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME")))
                {
                    resource.AddService("personalization-worker");
                }
            })
            .WithTracing(tracing => tracing
                .AddSource(StreamsTracing.SourceName, PersonalizationTracing.SourceName)
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.SampleRatio)))
                .AddOtlpExporter());
    }

    /// <summary>
    /// The documented order is appsettings.json, environment variables, <c>SECRETS_DIR</c>, then the command line:
    /// the builder has already added the command line, so the secrets go in just before it.
    /// </summary>
    private static void AddBelowCommandLine(ConfigurationManager configuration, IConfigurationSource source)
    {
        var sources = configuration.Sources;
        var commandLine = sources.Select((s, index) => (s, index)).FirstOrDefault(entry => entry.s is CommandLineConfigurationSource);
        if (commandLine.s is null)
        {
            sources.Add(source);
        }
        else
        {
            sources.Insert(commandLine.index, source);
        }
    }

    private static void MapEndpoints(WebApplication app, WorkerSettings settings)
    {
        var exporter = app.Services.GetRequiredService<MetricsExporter>();
        var streams = app.Services.GetRequiredService<StreamsService>();
        var operations = app.MapGroup("");
        if (settings.Queries.Enabled && settings.Queries.EffectivePort(settings.Http.Port) != settings.Http.Port)
        {
            // With the queries on a port of their own, that port serves nothing else.
            operations.RequireHost($"*:{settings.Http.Port}");
        }

        operations.MapMetrics("/metrics", exporter.Registry);
        ModelStatusEndpoint.Map(operations, app.Services.GetRequiredService<ModelDirectory>());
        ConsoleEndpoints.Map(
            operations, app.Services.GetRequiredService<PipelineView>(), app.Services.GetRequiredService<FleetView>(), app.Services.GetRequiredService<ForgetRequester>(),
            settings.Console);
        operations.MapGet("/healthz/live", () =>
        {
            var runtime = streams.Streams;
            var state = runtime?.State;
            var alive = runtime is null || state is StreamsState.Created or StreamsState.Rebalancing or StreamsState.PendingShutdown
                || (state == StreamsState.Running && runtime.ThreadsAlive(StuckAfter));
            return Health(alive, new { state = state?.ToString() ?? "Starting" });
        });
        operations.MapGet("/healthz/ready", () =>
        {
            var runtime = streams.Streams;
            var tasks = runtime?.Tasks ?? [];
            var ready = runtime?.State == StreamsState.Running && tasks.All(t => t.Running);
            return Health(ready, new
            {
                state = runtime?.State.ToString() ?? "Starting",
                tasks = tasks.Count,
                restoring = tasks.Count(t => !t.Running),
            });
        });
    }

    private static IResult Health(bool healthy, object details) =>
        Results.Json(new { status = healthy ? "ok" : "unavailable", details }, JsonSerializerOptions.Default, statusCode: healthy ? 200 : 503);

    /// <summary>JSON lines when the output is not a terminal (containers, log shippers), readable text otherwise.</summary>
    private static void ConfigureLogging(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        if (Console.IsOutputRedirected)
        {
            logging.AddJsonConsole(json =>
            {
                json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                json.UseUtcTimestamp = true;
            });
        }
        else
        {
            logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss ";
            });
        }

        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
    }
}
