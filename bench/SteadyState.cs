using System.Diagnostics;

namespace Personalization.Bench;

/// <summary>
/// The measured window of a Kafka scenario: from the moment a tenth of its events have gone through to the moment all
/// have. The first tenth is the warm-up every engine pays once (joining the group, opening each task's stores, JIT
/// compilation of the hot path), which would otherwise count as per-event cost in a run of a few seconds; it is left
/// out alike for the raw client, the engine and the peer. Where the warm-up outlasts the tenth, the caller holds the
/// window back until it is over (<see cref="Observe"/>).
/// </summary>
internal sealed class SteadyState(long events)
{
    private readonly long _warmUp = events / 10;
    private long _startTimestamp;
    private CpuClock _cpu;
    private long _startAllocated;
    private long _allocated;
    private TimeSpan _startPaused;
    private TimeSpan _paused;
    private long _startProgress = -1;
    private long _endTimestamp;
    private TimeSpan _cpuUsed;
    private long _endProgress;

    /// <summary>Events through when the window started (-1 before it has).</summary>
    public long StartProgress => _startProgress;

    /// <summary>
    /// Reports progress (events through so far); starts the window once the warm-up tenth is behind and
    /// <paramref name="settled"/> says the rest of the warm-up is too.
    /// </summary>
    public void Observe(long progress, bool settled = true)
    {
        if (_startProgress < 0 && settled && progress >= _warmUp)
        {
            _startProgress = progress;
            _startTimestamp = Stopwatch.GetTimestamp();
            _cpu = CpuClock.Start();
            _startAllocated = GC.GetTotalAllocatedBytes();
            _startPaused = GC.GetTotalPauseDuration();
        }
    }

    /// <summary>Closes the window at <paramref name="progress"/> events.</summary>
    public void Stop(long progress)
    {
        _cpuUsed = _startProgress < 0 ? TimeSpan.Zero : _cpu.Elapsed;
        _allocated = _startProgress < 0 ? 0 : GC.GetTotalAllocatedBytes() - _startAllocated;
        _paused = _startProgress < 0 ? TimeSpan.Zero : GC.GetTotalPauseDuration() - _startPaused;
        _endTimestamp = Stopwatch.GetTimestamp();
        _endProgress = progress;
    }

    /// <summary>Events inside the window (0 when the run never got past its warm-up).</summary>
    public long Events => _startProgress < 0 ? 0 : _endProgress - _startProgress;

    public TimeSpan Elapsed => _startProgress < 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_startTimestamp, _endTimestamp);

    public TimeSpan Cpu => _cpuUsed;

    /// <summary>
    /// Managed bytes the whole process allocated per event inside the window: the engine's alone where nothing else in
    /// the process runs alongside it (not so for the peer, whose progress is read from its output in this process).
    /// </summary>
    public double? AllocatedBytesPerEvent => Events > 0 ? (double)_allocated / Events : null;

    /// <summary>
    /// The share of the window the garbage collector held the process's threads paused, all threads stopped at once, so
    /// it is also the share of the stream thread's time spent in collections rather than in processing.
    /// </summary>
    public double? GcPauseShare => Events > 0 && Elapsed > TimeSpan.Zero ? _paused / Elapsed : null;
}
