using HdrHistogram;
using Streams.Engine.Metrics;
using Streams.Engine.Runtime;
using Streams.Engine.Tasks;

namespace Personalization.Bench;

/// <summary>
/// When an exactly-once worker's output becomes visible to read-committed consumers: at the end of the commit of the
/// transaction it was sent in. A reader on the embedded cluster cannot tell, because librdkafka's mock cluster answers
/// fetches with its end offset as the last stable offset, so read-committed readers there see records as soon as they
/// are sent. This follows the engine's own histograms instead: the sink's end-to-end latency, observed when a record
/// of <paramref name="topic"/> is sent, and the commit duration, observed when a commit has finished, both on the
/// same stream thread, so every send a thread observed before its commit ended belongs to that commit's transaction
/// (each thread has its own producer and transactions). A record's event time is taken back from the latency observed
/// at its send, which can be a millisecond off (two clock reads, and the latency in fractional seconds);
/// <paramref name="measured"/> maps it to the event time it stands for (Unix milliseconds), or to null when the record
/// is not measured. <paramref name="windows"/> windows of <paramref name="window"/> from
/// <paramref name="windowStartMs"/> split the measured records by event time.
/// </summary>
internal sealed class CommitVisibility(string topic, Func<long, long?> measured, long windowStartMs = 0, TimeSpan window = default, int windows = 0)
{
    private static readonly long MaxTicks = TimeSpan.FromMinutes(1).Ticks;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, List<long>> _pendingByThread = [];
    private readonly Dictionary<long, long> _slowest = [];

    /// <summary>From event time to the send of a record of the topic (the engine's end-to-end latency at the sink).</summary>
    public LongHistogram Sent { get; } = new(MaxTicks, 3);

    /// <summary>Commit durations.</summary>
    public LongHistogram Commits { get; } = new(MaxTicks, 3);

    /// <summary>From event time to the end of the commit that made the record visible.</summary>
    public LongHistogram Committed { get; } = new(MaxTicks, 3);

    /// <summary><see cref="Committed"/> by window of event time from the start of measurement.</summary>
    public IReadOnlyList<LongHistogram> CommittedPerWindow { get; } = Enumerable.Range(0, windows).Select(_ => new LongHistogram(MaxTicks, 3)).ToArray();

    /// <summary>The longest of <see cref="Committed"/>, in milliseconds, for each measured event time.</summary>
    public IReadOnlyDictionary<long, long> SlowestByEventTime => _slowest;

    /// <summary>The listener to give <see cref="StreamsMetrics.HistogramListener"/> before the worker starts.</summary>
    public Action<double>? Listen(MetricDescriptor metric, IReadOnlyList<string> labelValues) =>
        metric == RuntimeMetrics.CommitLatency ? OnCommitted
        : metric == TaskMetrics.EndToEndLatency && labelValues[^1] == topic ? OnSent
        : null;

    private void OnSent(double seconds)
    {
        var observedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (long)Math.Round(seconds * 1000);
        lock (_lock)
        {
            Sent.RecordValue((long)(seconds * TimeSpan.TicksPerSecond));
            if (measured(observedMs) is { } eventTimeMs)
            {
                var thread = Environment.CurrentManagedThreadId;
                if (!_pendingByThread.TryGetValue(thread, out var pending))
                {
                    _pendingByThread[thread] = pending = [];
                }

                pending.Add(eventTimeMs);
            }
        }
    }

    private void OnCommitted(double seconds)
    {
        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        lock (_lock)
        {
            Commits.RecordValue((long)(seconds * TimeSpan.TicksPerSecond));
            if (!_pendingByThread.TryGetValue(Environment.CurrentManagedThreadId, out var pending))
            {
                return;
            }

            foreach (var eventTimeMs in pending)
            {
                var latencyMs = Math.Max(0, nowMs - eventTimeMs);
                Committed.RecordValue(latencyMs * TimeSpan.TicksPerMillisecond);
                _slowest[eventTimeMs] = Math.Max(latencyMs, _slowest.GetValueOrDefault(eventTimeMs));
                var index = windows == 0 ? -1 : (int)((eventTimeMs - windowStartMs) / (long)window.TotalMilliseconds);
                if (index >= 0 && index < CommittedPerWindow.Count)
                {
                    CommittedPerWindow[index].RecordValue(latencyMs * TimeSpan.TicksPerMillisecond);
                }
            }

            pending.Clear();
        }
    }
}
