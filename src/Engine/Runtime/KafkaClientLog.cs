using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Streams.Engine.Runtime;

/// <summary>
/// librdkafka's own log lines, into an <see cref="ILogger"/>, for every client the runtime (or its host) builds: without
/// a handler librdkafka writes them raw to stderr, past the host's structured logging.
/// </summary>
public static class KafkaClientLog
{
    /// <summary>A log handler for a client builder's <c>SetLogHandler</c>.</summary>
    public static Action<IClient, LogMessage> To(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        return (_, message) => Write(logger, message);
    }

    /// <summary>Writes one librdkafka log line, also for clients the runtime drives through librdkafka itself.</summary>
    internal static void Write(ILogger logger, LogMessage message) =>
        logger.Log(LevelOf(message), "librdkafka {Client} {Facility}: {Message}", message.Name, message.Facility, message.Message);

    /// <remarks>
    /// Configuration warnings are expected, hence debug: one set of client settings serves every client, so a consumer
    /// setting (session.timeout.ms) reaches the producers and admin clients too, which ignore it.
    /// </remarks>
    private static LogLevel LevelOf(LogMessage message) => message.Facility == "CONFWARN" ? LogLevel.Debug : message.Level switch
    {
        <= SyslogLevel.Error => LogLevel.Error,
        SyslogLevel.Warning => LogLevel.Warning,
        SyslogLevel.Debug => LogLevel.Debug,
        _ => LogLevel.Information,
    };
}
