using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.State;

namespace Streams.Engine.Runtime;

/// <summary>
/// Rebuilds stores from their changelog partitions: reads each, one at a time, from a start offset to the end it had
/// when restoration began, with a reader of its own (no group), writing batches under the store's logging layer, a
/// bounded slice per call, and reports progress per store and task as a gauge of records remaining. Before local state
/// is reused, <see cref="CheckpointMismatch(TopicPartition, long)"/> tells whether it can continue from the changelog at all.
/// </summary>
internal sealed class ChangelogRestorer(IChangelogReader reader, StreamsMetrics metrics, ILogger logger)
{
    private const int BatchSize = 2000;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly long SliceTicks = Stopwatch.Frequency / 20;
    private readonly Queue<Restoration> _waiting = new();
    // Null: asked for in a batch that left it out (its leader did not answer), so it is asked for alone when used
    // rather than again with every batch.
    private readonly Dictionary<TopicPartition, WatermarkOffsets?> _watermarks = [];
    private Restoration? _current;

    /// <summary>
    /// Why local state that reflects the changelog up to <paramref name="checkpoint"/> cannot be continued from it, or
    /// null when it can. Past the end, the changelog is not the one the state was built from (deleted and recreated,
    /// the application reset, another cluster); before the start, records after the checkpoint are gone. Either way
    /// the local state is not to be trusted, as Kafka Streams treats a corrupted task.
    /// </summary>
    public string? CheckpointMismatch(TopicPartition changelog, long checkpoint) =>
        CheckpointMismatch(changelog, checkpoint, Watermarks(changelog));

    /// <summary>
    /// Reads the watermarks of the changelogs of stores about to be restored in one batch, as Kafka Streams lists the
    /// end offsets of all newly registered changelogs together: each is then used once, by the next
    /// <see cref="CheckpointMismatch(TopicPartition, long)"/> and <see cref="Begin"/> of its store. Only the instance
    /// that owns a task writes its changelogs, so their ends do not move while it opens its tasks.
    /// </summary>
    public void ReadWatermarks(IEnumerable<TopicPartition> changelogs)
    {
        var unknown = changelogs.Where(changelog => !_watermarks.ContainsKey(changelog)).ToList();
        if (unknown.Count == 0)
        {
            return;
        }

        var listed = reader.QueryWatermarkOffsets(unknown, Timeout);
        foreach (var changelog in unknown)
        {
            _watermarks[changelog] = listed.TryGetValue(changelog, out var watermarks) ? watermarks : null;
        }
    }

    /// <summary>Forgets watermarks read ahead and not used, those of tasks revoked before they were opened.</summary>
    public void ForgetWatermarks() => _watermarks.Clear();

    /// <summary>The same check against the changelog's watermarks however they were read (the standby updater has its own consumer).</summary>
    public static string? CheckpointMismatch(TopicPartition changelog, long checkpoint, WatermarkOffsets watermarks)
    {
        if (checkpoint + 1 > watermarks.High.Value)
        {
            return $"its checkpoint (offset {checkpoint}) is past the end of {changelog} (end offset {watermarks.High.Value})";
        }

        if (checkpoint + 1 < watermarks.Low.Value)
        {
            return $"{changelog} starts at offset {watermarks.Low.Value}, after its checkpoint (offset {checkpoint})";
        }

        return null;
    }

    /// <summary>
    /// Starts restoring <paramref name="store"/> of <paramref name="task"/> from <paramref name="startOffset"/> (null:
    /// from the beginning) to the changelog's end as it is now. <paramref name="completed"/> is called with the last
    /// changelog offset the store reflects (null when none) once it is restored: at once when there is nothing to read,
    /// else from <see cref="Advance"/>.
    /// </summary>
    public void Begin(IManagedStateStore store, TaskId task, TopicPartition changelog, long? startOffset, Action<long?> completed)
    {
        // Every store and task has its progress series, at 0 when there is nothing to restore.
        var remaining = metrics.Gauge(RuntimeMetrics.RestoreRemaining, store.Name, task.ToString());
        var restored = metrics.Counter(RuntimeMetrics.RestoredRecords, store.Name, task.ToString());

        // Without new records the store stays at its checkpoint: the offset before the start.
        var unchanged = startOffset - 1;
        var watermarks = Watermarks(changelog);
        _watermarks.Remove(changelog);
        var start = Math.Max(startOffset ?? 0, watermarks.Low.Value);
        if (start >= watermarks.High.Value)
        {
            remaining.Set(0);
            completed(unchanged);
            return;
        }

        var restoration = new Restoration(store, task, changelog, start, watermarks.High.Value, unchanged, completed, remaining, restored);
        restoration.Remaining.Set(watermarks.High.Value - start);
        _waiting.Enqueue(restoration);
        StartNext();
    }

    private WatermarkOffsets Watermarks(TopicPartition changelog) =>
        _watermarks.GetValueOrDefault(changelog) ?? reader.QueryWatermarkOffsets(changelog, Timeout);

    /// <summary>
    /// Reads one changelog partition at a time, as long sequential fetches (measured faster than reading them all
    /// interleaved: each store then takes its writes in large batches), with the next one fetched ahead.
    /// </summary>
    private void StartNext()
    {
        if (_current is null && _waiting.TryDequeue(out var next))
        {
            logger.LogInformation("Restoring store {Store} of task {Task} from {Changelog} offsets {Start}..{End}", next.Store.Name, next.Task, next.Changelog, next.Start, next.End);
            next.LastProgress = DateTime.UtcNow;
            _current = next;
            reader.Start(next.Changelog, next.Start);
        }

        if (_current is not null && _waiting.TryPeek(out var following))
        {
            reader.Prefetch(following.Changelog, following.Start);
        }
        else
        {
            reader.Prefetch(null, 0);
        }
    }

    /// <summary>
    /// Applies up to <paramref name="maxRecords"/> changelog records to the stores being restored, completing each at its
    /// end and going on with the next, so a large restoration proceeds a slice per loop of the thread while its other
    /// tasks keep processing.
    /// </summary>
    public void Advance(int maxRecords, CancellationToken cancellationToken)
    {
        StartNext();
        if (_current is null)
        {
            return;
        }

        // The slice waits for records up to its time budget, so the reader stays busy as it would reading in one go, and
        // the thread still comes back to its other tasks every few tens of milliseconds.
        var deadline = Stopwatch.GetTimestamp() + SliceTicks;
        var applied = 0;
        while (_current is { } restoration && applied < maxRecords)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var room = Math.Min(BatchSize - restoration.Batch.Count, maxRecords - applied);
            var read = reader.Read(restoration.Batch, room, restoration.End, Remaining(deadline));
            if (read > 0)
            {
                applied += read;
                restoration.Last = reader.LastRecordOffset;
                restoration.LastProgress = DateTime.UtcNow;
                if (restoration.Batch.Count == BatchSize)
                {
                    Apply(restoration);
                }
            }

            // Stop at the end offset known at the start rather than waiting for more. The end may be a transaction
            // marker, which is never returned as a record but moves the position.
            if (reader.Position >= restoration.End)
            {
                Complete(restoration);
            }
            else if (read == 0)
            {
                break;
            }
        }

        if (_current is { } active && DateTime.UtcNow - active.LastProgress > Timeout)
        {
            throw new StreamsException($"Restoring store '{active.Store.Name}' from {active.Changelog} made no progress for {Timeout.TotalSeconds} s.");
        }
    }

    private static TimeSpan Remaining(long deadline)
    {
        var left = deadline - Stopwatch.GetTimestamp();
        return left > 0 ? TimeSpan.FromTicks(left * TimeSpan.TicksPerSecond / Stopwatch.Frequency) : TimeSpan.Zero;
    }

    /// <summary>Stops restoring the stores of <paramref name="task"/> (revoked or lost before it finished).</summary>
    public void Cancel(TaskId task)
    {
        var keep = _waiting.Where(r => r.Task != task).ToList();
        foreach (var dropped in _waiting.Where(r => r.Task == task))
        {
            dropped.Remaining.Set(0);
        }

        _waiting.Clear();
        foreach (var restoration in keep)
        {
            _waiting.Enqueue(restoration);
        }

        if (_current is { } active && active.Task == task)
        {
            _current = null;
            reader.Stop();
            active.Remaining.Set(0);
        }

        StartNext();
    }

    private void Complete(Restoration restoration)
    {
        Apply(restoration);
        _current = null;
        reader.Stop();
        restoration.Remaining.Set(0);
        restoration.Completed(restoration.Last ?? restoration.Unchanged);
        StartNext();
    }

    private static void Apply(Restoration restoration)
    {
        if (restoration.Batch.Count == 0)
        {
            return;
        }

        restoration.Store.Restore(restoration.Batch);
        restoration.Restored.Increment(restoration.Batch.Count);
        restoration.Batch.Clear();
        restoration.Remaining.Set(Math.Max(0, restoration.End - restoration.Last!.Value - 1));
    }

    /// <summary>One store being restored.</summary>
    private sealed class Restoration(
        IManagedStateStore store, TaskId task, TopicPartition changelog, long start, long end, long? unchanged, Action<long?> completed, Gauge remaining, Counter restored)
    {
        /// <summary>The first changelog offset to read.</summary>
        public long Start { get; } = start;

        public IManagedStateStore Store { get; } = store;

        public TaskId Task { get; } = task;

        public TopicPartition Changelog { get; } = changelog;

        /// <summary>The changelog's end offset when restoration began.</summary>
        public long End { get; } = end;

        public long? Unchanged { get; } = unchanged;

        public Action<long?> Completed { get; } = completed;

        public Gauge Remaining { get; } = remaining;

        public Counter Restored { get; } = restored;

        public List<KeyValuePair<byte[], byte[]?>> Batch { get; } = new(BatchSize);

        public long? Last { get; set; }

        public DateTime LastProgress { get; set; } = DateTime.UtcNow;
    }
}
