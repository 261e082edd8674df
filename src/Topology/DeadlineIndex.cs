namespace Personalization.Topology;

/// <summary>
/// Keys ordered by their deadlines on the two clocks a processor's timers run on, stream time and the wall clock, so
/// that a punctuation visits only the keys that are due instead of reading its whole store. It lives in memory only:
/// a processor derives it from its store and rebuilds it whenever it is initialized (after restoration, and after an
/// aborted transaction restarts the task), so it never holds anything the store does not.
/// </summary>
internal sealed class DeadlineIndex
{
    private static readonly Comparer<(long At, string Key)> ByTimeThenKey = Comparer<(long At, string Key)>.Create(
        (a, b) => a.At != b.At ? a.At.CompareTo(b.At) : string.CompareOrdinal(a.Key, b.Key));

    private readonly Dictionary<string, (long StreamTime, long WallClock)> _byKey = new(StringComparer.Ordinal);
    private readonly SortedSet<(long At, string Key)> _byStreamTime = new(ByTimeThenKey);
    private readonly SortedSet<(long At, string Key)> _byWallClock = new(ByTimeThenKey);

    public bool Contains(string key) => _byKey.ContainsKey(key);

    public void Clear()
    {
        _byKey.Clear();
        _byStreamTime.Clear();
        _byWallClock.Clear();
    }

    /// <summary>Adds a key, or moves it if it is already here.</summary>
    public void Add(string key, long streamTimeDeadline, long wallClockDeadline)
    {
        Remove(key);
        _byKey[key] = (streamTimeDeadline, wallClockDeadline);
        _byStreamTime.Add((streamTimeDeadline, key));
        _byWallClock.Add((wallClockDeadline, key));
    }

    public void Remove(string key)
    {
        if (_byKey.Remove(key, out var deadlines))
        {
            _byStreamTime.Remove((deadlines.StreamTime, key));
            _byWallClock.Remove((deadlines.WallClock, key));
        }
    }

    /// <summary>
    /// Moves the keys whose deadline on either clock is at or before the given times into <paramref name="due"/>, each
    /// once, earliest stream-time deadline first, and forgets them.
    /// </summary>
    public void TakeDue(long streamTime, long wallClock, List<string> due)
    {
        TakeDue(_byStreamTime, streamTime, due);
        TakeDue(_byWallClock, wallClock, due);
    }

    private void TakeDue(SortedSet<(long At, string Key)> deadlines, long time, List<string> due)
    {
        while (deadlines.Count > 0 && deadlines.Min is var first && first.At <= time)
        {
            due.Add(first.Key);
            Remove(first.Key);
        }
    }
}
