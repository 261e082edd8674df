using System.Runtime.InteropServices;

namespace Streams.Engine.State;

/// <summary>
/// Hands the C heap's free pages back to the operating system at an interval (glibc's <c>malloc_trim</c>). RocksDB
/// allocates and frees blocks of many sizes on several threads, and glibc keeps freed memory inside its arenas, so
/// without this a process's working set keeps creeping up long after RocksDB's own memory has stopped growing. A
/// trim of a heap of about 800 MB takes about 10 ms, so it can run every few seconds. Elsewhere than on Linux with
/// glibc it does nothing.
/// </summary>
internal static partial class NativeHeapTrimmer
{
    // Held here so the timer lives as long as the process.
    private static Timer? s_timer;

    /// <summary>Trims every <paramref name="interval"/> from now on; zero never trims. Called once, with RocksDB's shared memory.</summary>
    public static void Start(TimeSpan interval)
    {
        if (interval > TimeSpan.Zero && OperatingSystem.IsLinux())
        {
            s_timer = new Timer(_ => Trim(), null, interval, interval);
        }
    }

    private static void Trim()
    {
        try
        {
            MallocTrim(0);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // Not glibc (musl, for one, has no malloc_trim): nothing to trim this way.
            s_timer?.Dispose();
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
