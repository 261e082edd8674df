using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Personalization.Topology;
using Personalization.Topology.Evaluation;
using Personalization.Topology.Records;
using Personalization.Topology.Scoring;
using Personalization.Worker.Metrics;
using Streams.Engine.Runtime;

namespace Personalization.Worker.Hosting;

/// <summary>
/// Runs the personalization topology on the engine for the life of the host: prepares the schema ids, loads and
/// watches the models, starts the stream threads, and on shutdown lets them finish in-flight work, commit and close.
/// A fatal runtime error stops the host with exit code 1 and the reason in the log.
/// </summary>
internal sealed partial class StreamsService(
    WorkerSettings settings,
    KafkaConnection connection,
    RecordSerdes serdes,
    ModelDirectory models,
    FraudGuardrail guardrail,
    PolicyDirectory policyFiles,
    MetricsExporter exporter,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggerFactory,
    ILogger<StreamsService> logger) : IHostedService, IAsyncDisposable
{
    private KafkaStreams? _streams;

    /// <summary>The running engine, once started.</summary>
    public KafkaStreams? Streams => _streams;

    /// <summary>Where this instance answers queries, as it advertises it (<c>Streams:ApplicationServer</c>).</summary>
    public string? AdvertisedEndpoint => settings.Streams.ApplicationServer;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await serdes.PrepareAsync(settings.Topics, cancellationToken);
        models.Start();
        foreach (var name in new[] { "fraud", "propensity" })
        {
            if (models.Get(name) is null)
            {
                LogNoModel(name, settings.Models.Directory);
            }
        }

        var topology = new PersonalizationTopology(settings.Personalization, serdes, models, guardrail, policyFiles).Build();
        var config = settings.ToStreamsConfig(connection.BootstrapServers);
        _streams = new KafkaStreams(topology, config, connection.TopicAdmin, loggerFactory);
        exporter.Attach(_streams);
        _streams.StateChanged += (_, state) =>
        {
            if (state == StreamsState.Error)
            {
                LogFatal(_streams.Error, _streams.Error?.Message ?? "unknown error");
                Environment.ExitCode = 1;
                lifetime.StopApplication();
            }
        };
        LogStarting(config.ApplicationId, connection.BootstrapServers, config.ProcessingGuarantee.ToString(), config.NumThreads);
        await _streams.StartAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_streams is null)
        {
            return;
        }

        // Leave a little of the grace period for the rest of the host to stop.
        var budget = settings.Shutdown.GracePeriod - TimeSpan.FromSeconds(2);
        if (!await _streams.CloseAsync(budget > TimeSpan.Zero ? budget : settings.Shutdown.GracePeriod))
        {
            LogCloseTimedOut(settings.Shutdown.GracePeriod.TotalSeconds);
            Environment.ExitCode = 1;
        }
        else
        {
            LogClosed();
        }
    }

    /// <summary>
    /// Called twice by the container, which tracks this instance both as itself and as the hosted service that
    /// resolves it; the runtime's disposal is idempotent.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_streams is not null)
        {
            await _streams.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting {ApplicationId} on {BootstrapServers} ({Guarantee}, {Threads} thread(s))")]
    private partial void LogStarting(string applicationId, string bootstrapServers, string guarantee, int threads);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No {Model} model in {Directory}: the heuristic scores until one is dropped in")]
    private partial void LogNoModel(string model, string directory);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The stream runtime failed and the worker stops: {Reason}")]
    private partial void LogFatal(Exception? error, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream runtime committed and closed")]
    private partial void LogClosed();

    [LoggerMessage(Level = LogLevel.Error, Message = "The stream runtime did not close within the {GraceSeconds} s grace period")]
    private partial void LogCloseTimedOut(double graceSeconds);
}
