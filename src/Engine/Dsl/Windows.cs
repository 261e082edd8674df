namespace Streams.Engine.Dsl;

/// <summary>
/// Fixed-size time windows [start, start + size) on a grid of <see cref="Advance"/>: tumbling when the advance equals
/// the size, hopping (overlapping) when it is smaller. A record belongs to every window that contains its timestamp.
/// </summary>
public sealed record TimeWindows
{
    private TimeWindows(TimeSpan size, TimeSpan advance, TimeSpan grace)
    {
        if (size <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(size), "A window size must be positive.");
        }

        if (advance <= TimeSpan.Zero || advance > size)
        {
            throw new ArgumentOutOfRangeException(nameof(advance), "A window advance must be positive and no larger than the size.");
        }

        if (grace < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(grace), "A grace period cannot be negative.");
        }

        Size = size;
        Advance = advance;
        Grace = grace;
    }

    /// <summary>The window size.</summary>
    public TimeSpan Size { get; }

    /// <summary>The distance between window starts.</summary>
    public TimeSpan Advance { get; }

    /// <summary>How long after a window ends (in stream time) it still accepts out-of-order records.</summary>
    public TimeSpan Grace { get; }

    internal long SizeMs => (long)Size.TotalMilliseconds;

    internal long AdvanceMs => (long)Advance.TotalMilliseconds;

    internal long GraceMs => (long)Grace.TotalMilliseconds;

    /// <summary>Tumbling windows of <paramref name="size"/> with the given grace period.</summary>
    public static TimeWindows OfSizeWithGrace(TimeSpan size, TimeSpan grace) => new(size, size, grace);

    /// <summary>Tumbling windows of <paramref name="size"/> that accept no late records.</summary>
    public static TimeWindows OfSizeWithNoGrace(TimeSpan size) => new(size, size, TimeSpan.Zero);

    /// <summary>Hopping windows: the same size, starting every <paramref name="advance"/>.</summary>
    public TimeWindows AdvanceBy(TimeSpan advance) => new(Size, advance, Grace);

    /// <summary>The first window start that contains <paramref name="timestamp"/>; windows follow every advance up to the timestamp.</summary>
    internal long FirstWindowStart(long timestamp) => Math.Max(0, timestamp - SizeMs + AdvanceMs) / AdvanceMs * AdvanceMs;
}

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

/// <summary>
/// The window of a stream–stream join: a left record at time t joins right records with timestamps in
/// [t - <see cref="Before"/>, t + <see cref="After"/>]. Records older than stream time minus the grace period are late
/// and dropped; an unmatched record of an outer side is emitted once no record within its window can still arrive.
/// </summary>
public sealed record JoinWindows
{
    private JoinWindows(TimeSpan before, TimeSpan after, TimeSpan grace)
    {
        if (before < TimeSpan.Zero || after < TimeSpan.Zero || grace < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(before), "Join window bounds and grace cannot be negative.");
        }

        Before = before;
        After = after;
        Grace = grace;
    }

    /// <summary>How far before a left record a right record may be.</summary>
    public TimeSpan Before { get; }

    /// <summary>How far after a left record a right record may be.</summary>
    public TimeSpan After { get; }

    /// <summary>How long (in stream time) out-of-order records are still accepted.</summary>
    public TimeSpan Grace { get; }

    internal long BeforeMs => (long)Before.TotalMilliseconds;

    internal long AfterMs => (long)After.TotalMilliseconds;

    internal long GraceMs => (long)Grace.TotalMilliseconds;

    /// <summary>A symmetric window of ±<paramref name="timeDifference"/> with the given grace period.</summary>
    public static JoinWindows OfTimeDifferenceAndGrace(TimeSpan timeDifference, TimeSpan grace) => new(timeDifference, timeDifference, grace);

    /// <summary>The same window with another bound after the left record.</summary>
    public JoinWindows WithAfter(TimeSpan after) => new(Before, after, Grace);
}

/// <summary>When a windowed table's results go downstream.</summary>
public enum EmitStrategy
{
    /// <summary>Every update of a window, as it happens (the default).</summary>
    OnWindowUpdate,

    /// <summary>One final result per window, once stream time passes its end plus grace (sessions: last record + gap + grace).</summary>
    OnWindowClose,
}
