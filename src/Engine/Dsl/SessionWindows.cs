namespace Streams.Engine.Dsl;

/// <summary>
/// Session windows: records of a key closer together than the inactivity gap form one session; a record that bridges
/// two sessions merges them.
/// </summary>
public sealed record SessionWindows
{
    private SessionWindows(TimeSpan gap, TimeSpan grace)
    {
        if (gap <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(gap), "An inactivity gap must be positive.");
        }

        if (grace < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(grace), "A grace period cannot be negative.");
        }

        InactivityGap = gap;
        Grace = grace;
    }

    /// <summary>The largest distance between two records of one session.</summary>
    public TimeSpan InactivityGap { get; }

    /// <summary>How long (in stream time) a session may still be extended by out-of-order records once it would have closed.</summary>
    public TimeSpan Grace { get; }

    internal long GapMs => (long)InactivityGap.TotalMilliseconds;

    internal long GraceMs => (long)Grace.TotalMilliseconds;

    /// <summary>Sessions with the given gap and grace period.</summary>
    public static SessionWindows OfInactivityGapAndGrace(TimeSpan gap, TimeSpan grace) => new(gap, grace);

    /// <summary>Sessions with the given gap and no grace period.</summary>
    public static SessionWindows OfInactivityGapWithNoGrace(TimeSpan gap) => new(gap, TimeSpan.Zero);
}
