namespace Streams.Engine.Tests;

/// <summary>Timestamps for tests: a minute-aligned epoch so that window boundaries are easy to read.</summary>
internal static class TestTime
{
    /// <summary>2023-11-14T22:13:00Z, a multiple of one minute (and of one hour minus 13 minutes).</summary>
    public const long T0 = 1_699_999_980_000;

    public static long At(double seconds) => T0 + (long)(seconds * 1000);
}
