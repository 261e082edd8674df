namespace Streams.Engine.State;

/// <summary>A time window, [Start, End) in milliseconds since the epoch.</summary>
/// <param name="Start">Inclusive start.</param>
/// <param name="End">Exclusive end for time windows; for sessions, the timestamp of the session's last record.</param>
public readonly record struct Window(long Start, long End)
{
    /// <inheritdoc />
    public override string ToString() => $"[{Start},{End})";
}

/// <summary>A key together with the window its value belongs to: the key type of windowed tables.</summary>
/// <param name="Key">The record key.</param>
/// <param name="Window">The window.</param>
public readonly record struct Windowed<TKey>(TKey Key, Window Window)
{
    /// <inheritdoc />
    public override string ToString() => $"{Key}@{Window}";
}
