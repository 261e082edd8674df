namespace Streams.Engine.Dsl;

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
