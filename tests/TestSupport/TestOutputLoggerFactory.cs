using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Streams.TestSupport;

/// <summary>Writes the runtime's logs into the test's output, so a failing end-to-end test shows what the runtime did.</summary>
public sealed class TestOutputLoggerFactory(ITestOutputHelper output, string instance) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new Logger(output, instance, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(ITestOutputHelper output, string instance, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} [{instance}] {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
            }
            catch (InvalidOperationException)
            {
                // The test already finished; its output is closed.
            }
        }
    }
}
