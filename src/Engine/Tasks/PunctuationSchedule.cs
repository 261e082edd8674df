namespace Streams.Engine.Tasks;

/// <summary>
/// One scheduled punctuator. Due times lie on a grid of the interval; when the clock jumps past several due times the
/// punctuator runs once and the next due time is the first grid point after the current time.
/// </summary>
internal sealed class PunctuationSchedule(string node, long intervalMs, Action<long> punctuator) : IDisposable
{
    public string Node { get; } = node;

    /// <summary>The next due time, or -1 while a stream-time schedule waits for its first record.</summary>
    public long NextDue { get; set; } = -1;

    public bool Cancelled { get; private set; }

    /// <summary>Runs the punctuator if it is due at <paramref name="now"/>; returns true when it ran.</summary>
    public bool RunIfDue(long now)
    {
        if (Cancelled || NextDue < 0 || now < NextDue)
        {
            return false;
        }

        NextDue += ((now - NextDue) / intervalMs + 1) * intervalMs;
        punctuator(now);
        return true;
    }

    /// <summary>Anchors a schedule that was waiting for its first time.</summary>
    public void Anchor(long now)
    {
        if (NextDue < 0)
        {
            NextDue = now + intervalMs;
        }
    }

    public void Dispose() => Cancelled = true;
}
