namespace Streams.Engine.Metrics;

/// <summary>A monotonically increasing count.</summary>
public sealed class Counter
{
    private long _value;

    /// <summary>The current count.</summary>
    public long Value => Volatile.Read(ref _value);

    /// <summary>Adds to the count.</summary>
    public void Increment(long by = 1) => Interlocked.Add(ref _value, by);
}
