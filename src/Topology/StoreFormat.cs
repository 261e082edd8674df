using System.Globalization;
using Streams.Engine.Serialization;

namespace Personalization.Topology;

/// <summary>
/// The topology's own store values start with a format version byte, so a store written by an older release is read
/// or refused with a clear error rather than misread.
/// </summary>
internal static class StoreFormat
{
    /// <summary>The version of <paramref name="data"/>, checked to be in [<paramref name="oldest"/>, <paramref name="current"/>], and the body after it.</summary>
    public static byte Open(ReadOnlySpan<byte> data, byte oldest, byte current, string what, out ReadOnlySpan<byte> body)
    {
        if (data.Length == 0 || data[0] < oldest || data[0] > current)
        {
            throw new SerializationException(
                $"Unknown {what} format {(data.Length == 0 ? "(empty)" : data[0].ToString(CultureInfo.InvariantCulture))}; this release reads versions {oldest} to {current}.");
        }

        body = data[1..];
        return data[0];
    }
}
