namespace Streams.Engine.State;

/// <summary>A time window, [Start, End) in milliseconds since the epoch.</summary>
/// <param name="Start">Inclusive start.</param>
/// <param name="End">Exclusive end for time windows; for sessions, the timestamp of the session's last record.</param>
public readonly record struct Window(long Start, long End)
{
    /// <inheritdoc />
    public override string ToString() => $"[{Start},{End})";
}
