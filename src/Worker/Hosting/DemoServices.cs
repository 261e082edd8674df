using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Personalization.Simulation;
using Personalization.Topology.Records;
using Personalization.Worker.Publishing;
using Streams.Engine.Tasks;

namespace Personalization.Worker.Hosting;

/// <summary>
/// The embedded default's traffic: the synthetic clickstream, replayed in real time at about <c>Generator:Rate</c>
/// records per second (after a ramp-up of a few minutes while sessions accumulate), until shutdown.
/// </summary>
internal sealed partial class DemoGeneratorService(WorkerSettings settings, KafkaConnection connection, RecordSerdes serdes, ILogger<DemoGeneratorService> logger) : BackgroundService
{
    /// <summary>
    /// Sessions start at a steady rate and last minutes, so traffic builds up over the first minutes of a simulation; the
    /// demo starts this much simulated time early and skips the user records of it, so it opens at its full rate.
    /// </summary>
    private static readonly TimeSpan WarmUp = TimeSpan.FromMinutes(4);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = new GeneratorOptions
        {
            Users = settings.Generator.Users,
            Seed = settings.Generator.Seed,
            CatalogChangesPerMinute = settings.Generator.CatalogChangesPerMinute,
        };
        options.SessionsPerSecond = SessionsPerSecondFor(options, settings.Generator.Rate);
        var now = DateTimeOffset.UtcNow;
        options.Start = now - WarmUp;
        LogStarted(settings.Generator.Rate, settings.Generator.Users, options.SessionsPerSecond);
        try
        {
            // Replayed in real time: event times are wall-clock times, so end-to-end latency, windows and reward waits
            // behave as they would with live traffic. The warm-up's catalog records are kept: items viewed later need them.
            var records = new ClickstreamGenerator(options).Where(r => r.Item is not null || r.Timestamp >= now);
            var publisher = new ClickstreamPublisher(connection.BootstrapServers, serdes, settings.Topics, settings.Kafka.Client, logger);
            await publisher.PublishAsync(records, ratePerSecond: 0, long.MaxValue, duration: null, stoppingToken, realTime: true);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            LogFailed(e);
        }
    }

    /// <summary>
    /// The session rate that makes about <paramref name="rate"/> records per second once sessions overlap: how many
    /// records a session makes depends on the generator's mix, so it is measured on the generator's own output at a first
    /// guess, over three minutes after the warm-up.
    /// </summary>
    private static double SessionsPerSecondFor(GeneratorOptions options, double rate)
    {
        var measured = TimeSpan.FromMinutes(3);
        var guess = Math.Max(0.1, rate / 5);
        var probe = new GeneratorOptions
        {
            Users = options.Users, Seed = options.Seed, CatalogChangesPerMinute = options.CatalogChangesPerMinute, SessionsPerSecond = guess,
        };
        var (from, to) = (probe.Start + WarmUp, probe.Start + WarmUp + measured);
        var records = new ClickstreamGenerator(probe).Select(r => r.Timestamp).TakeWhile(t => t < to).Count(t => t >= from);
        return records > 0 ? Math.Max(0.1, guess * rate / (records / measured.TotalSeconds)) : guess;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo generator replaying about {Rate} records/s in real time for {Users} users ({SessionsPerSecond:F1} sessions/s)")]
    private partial void LogStarted(double rate, int users, double sessionsPerSecond);

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
