using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Personalization.Simulation;
using Personalization.Topology.Records;
using Personalization.Worker.Publishing;
using Streams.Engine.Tasks;

namespace Personalization.Worker.Hosting;

/// <summary>The embedded default's traffic: the synthetic clickstream produced at a moderate rate until shutdown.</summary>
internal sealed partial class DemoGeneratorService(WorkerSettings settings, KafkaConnection connection, RecordSerdes serdes, ILogger<DemoGeneratorService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = new GeneratorOptions
        {
            Users = settings.Generator.Users,
            Seed = settings.Generator.Seed,
            Start = DateTimeOffset.UtcNow,
            // Roughly real time: about five records per session.
            SessionsPerSecond = Math.Max(0.1, settings.Generator.Rate / 5),
            CatalogChangesPerMinute = settings.Generator.CatalogChangesPerMinute,
        };
        LogStarted(settings.Generator.Rate, settings.Generator.Users);
        try
        {
            var publisher = new ClickstreamPublisher(connection.BootstrapServers, serdes, settings.Topics, settings.Kafka.Client, logger);
            await publisher.PublishAsync(new ClickstreamGenerator(options), settings.Generator.Rate, long.MaxValue, duration: null, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            LogFailed(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo generator producing about {Rate} records/s for {Users} users")]
    private partial void LogStarted(double rate, int users);

    [LoggerMessage(Level = LogLevel.Error, Message = "Demo generator stopped")]
    private partial void LogFailed(Exception error);
}

/// <summary>A short live summary for a newcomer on the embedded default: events in, scores, training records and triggers out, lag.</summary>
internal sealed partial class ConsoleSummaryService(WorkerSettings settings, StreamsService streams, ILogger<ConsoleSummaryService> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var topics = settings.Topics;
        long lastIn = 0, lastScores = 0, lastTraining = 0, lastTriggers = 0;
        using var timer = new PeriodicTimer(Interval);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await timer.WaitForNextTickAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (streams.Streams is not { } running)
            {
                continue;
            }

            var metrics = running.Metrics;
            var eventsIn = metrics.CounterValue(TaskMetrics.RecordsConsumed, topics.Clickstream);
            var scores = metrics.CounterValue(TaskMetrics.RecordsProduced, topics.FraudScores) + metrics.CounterValue(TaskMetrics.RecordsProduced, topics.PropensityScores);
            var training = metrics.CounterValue(TaskMetrics.RecordsProduced, topics.Training);
            var triggers = metrics.CounterValue(TaskMetrics.RecordsProduced, topics.Triggers);
            var lag = running.Lags.Sum(l => l.Records);
            LogSummary(
                running.State.ToString(), (eventsIn - lastIn) / Interval.TotalSeconds, (scores - lastScores) / Interval.TotalSeconds, training - lastTraining, triggers - lastTriggers, lag);
            (lastIn, lastScores, lastTraining, lastTriggers) = (eventsIn, scores, training, triggers);
        }
    }

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "{State}: {EventsPerSecond:F0} events/s in, {ScoresPerSecond:F0} scores/s out, {TrainingRecords} training records, {Triggers} triggers, lag {Lag} records")]
    private partial void LogSummary(string state, double eventsPerSecond, double scoresPerSecond, long trainingRecords, long triggers, long lag);
}
