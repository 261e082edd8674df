namespace Streams.Engine.State;

/// <summary>
/// Compares cached keys by their bytes, in RocksDB's unsigned lexicographic order, and looks them up by the bytes of a
/// caller's key without copying it into a buffer first.
/// </summary>
internal sealed class CachedKeyComparer : IComparer<CachedKey>, IEqualityComparer<CachedKey>, IAlternateEqualityComparer<ReadOnlySpan<byte>, CachedKey>
{
    public static readonly CachedKeyComparer Instance = new();

    public int Compare(CachedKey x, CachedKey y) => x.Span.SequenceCompareTo(y.Span);

    public bool Equals(CachedKey x, CachedKey y) => x.Span.SequenceEqual(y.Span);

    public int GetHashCode(CachedKey obj) => GetHashCode(obj.Span);

    public bool Equals(ReadOnlySpan<byte> alternate, CachedKey other) => alternate.SequenceEqual(other.Span);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => ByteArrayComparer.Hash(alternate);

    public CachedKey Create(ReadOnlySpan<byte> alternate) => CachedKey.Of(alternate.ToArray());
}
