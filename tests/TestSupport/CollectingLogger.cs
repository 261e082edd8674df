using Microsoft.Extensions.Logging;

namespace Streams.TestSupport;

/// <summary>Keeps every line logged to it, with its level, for tests of what the runtime tells an operator.</summary>
public sealed class CollectingLogger : ILogger
{
    private readonly List<(LogLevel Level, string Message)> _lines = [];

    /// <summary>The lines so far (native threads may still be logging).</summary>
    public List<(LogLevel Level, string Message)> Snapshot()
    {
        lock (_lines)
        {
            return [.. _lines];
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines)
        {
            _lines.Add((logLevel, formatter(state, exception)));
        }
    }
}
