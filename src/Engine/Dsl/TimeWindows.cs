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
