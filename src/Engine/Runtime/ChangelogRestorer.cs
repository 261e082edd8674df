using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.State;

namespace Streams.Engine.Runtime;

/// <summary>
/// Rebuilds a store from its changelog partition: reads from a start offset to the end with a consumer of its own (no
/// group), writing batches under the store's logging layer, and reports progress per store and task as a gauge of
/// records remaining. Before local state is reused, <see cref="CheckpointMismatch"/> tells whether it can continue from
/// the changelog at all.
/// </summary>
internal sealed class ChangelogRestorer(IConsumer<byte[], byte[]> consumer, StreamsMetrics metrics, ILogger logger)
{
    private const int BatchSize = 2000;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Why local state that reflects the changelog up to <paramref name="checkpoint"/> cannot be continued from it, or
    /// null when it can. Past the end, the changelog is not the one the state was built from (deleted and recreated,
    /// the application reset, another cluster); before the start, records after the checkpoint are gone. Either way
    /// the local state is not to be trusted, as Kafka Streams treats a corrupted task.
    /// </summary>
    public string? CheckpointMismatch(TopicPartition changelog, long checkpoint)
    {
        var watermarks = consumer.QueryWatermarkOffsets(changelog, Timeout);
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

    /// <summary>Restores <paramref name="store"/> of <paramref name="task"/>; returns the last changelog offset applied, or null when none was.</summary>
    public long? Restore(IManagedStateStore store, TaskId task, TopicPartition changelog, long? startOffset, CancellationToken cancellationToken)
    {
        var label = $"{store.Name},{task}";
        var remaining = metrics.Gauge(MetricNames.RestoreRemaining, label);
        var restored = metrics.Counter(MetricNames.RestoredRecords, label);
        // Without new records the store stays at its checkpoint: the offset before the start.
        var unchanged = startOffset - 1;
        var watermarks = consumer.QueryWatermarkOffsets(changelog, Timeout);
        var start = Math.Max(startOffset ?? 0, watermarks.Low.Value);
        if (start >= watermarks.High.Value)
        {
            return unchanged;
        }

        remaining.Set(watermarks.High.Value - start);
        logger.LogInformation("Restoring store {Store} from {Changelog} offsets {Start}..{End}", store.Name, changelog, start, watermarks.High.Value);
        consumer.Assign(new TopicPartitionOffset(changelog, start));
        var batch = new List<KeyValuePair<byte[], byte[]?>>(BatchSize);
        long? last = null;
        var lastProgress = DateTime.UtcNow;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var record = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (record is null)
                {
                    // The end may be a transaction marker, which is never returned as a record but moves the position.
                    if (consumer.Position(changelog).Value >= watermarks.High.Value)
                    {
                        break;
                    }

                    if (DateTime.UtcNow - lastProgress > Timeout)
                    {
                        throw new StreamsException($"Restoring store '{store.Name}' from {changelog} made no progress for {Timeout.TotalSeconds} s.");
                    }

                    continue;
                }

                lastProgress = DateTime.UtcNow;
                if (record.IsPartitionEOF)
                {
                    break;
                }

                batch.Add(new KeyValuePair<byte[], byte[]?>(record.Message.Key, record.Message.Value));
                last = record.Offset.Value;
                if (batch.Count == BatchSize)
                {
                    Apply(store, batch, restored);
                    remaining.Set(Math.Max(0, watermarks.High.Value - last.Value - 1));
                }

                // Stop at the end offset known at the start rather than waiting for an end-of-partition event.
                if (last >= watermarks.High.Value - 1)
                {
                    break;
                }
            }

            Apply(store, batch, restored);
        }
        finally
        {
            consumer.Unassign();
            remaining.Set(0);
        }

        return last ?? unchanged;
    }

    private static void Apply(IManagedStateStore store, List<KeyValuePair<byte[], byte[]?>> batch, Counter restored)
    {
        if (batch.Count == 0)
        {
            return;
        }

        store.Restore(batch);
        restored.Increment(batch.Count);
        batch.Clear();
    }
}
