namespace Streams.Engine.State;

/// <summary>A key kept in the first <paramref name="Length"/> bytes of a record cache's buffer.</summary>
internal readonly record struct CachedKey(byte[] Buffer, int Length)
{
    public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);

    /// <summary>The key as an array of its own, for callers that keep it or hand it on.</summary>
    public byte[] ToArray() => Span.ToArray();

    /// <summary>Wraps a whole array, for a bound of a range.</summary>
    public static CachedKey Of(byte[] key) => new(key, key.Length);
}
