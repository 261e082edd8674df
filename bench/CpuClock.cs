using System.Diagnostics;

namespace Personalization.Bench;

/// <summary>
/// The CPU time (user + system, all threads) this process spends from <see cref="Start"/> on: the engine's or the
/// raw client's cost per event, without the cluster, which runs in a process of its own.
/// </summary>
internal readonly struct CpuClock
{
    private readonly TimeSpan _start;

    private CpuClock(TimeSpan start) => _start = start;

    public static CpuClock Start() => new(Used());

    public TimeSpan Elapsed => Used() - _start;

    private static TimeSpan Used()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }
}
