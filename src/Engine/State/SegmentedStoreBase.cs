using Streams.Engine.Serialization;

namespace Streams.Engine.State;

/// <summary>
/// Window and session stores: a <see cref="SegmentedLayout"/> with two times after the key, the first of which
/// (window start, session end) picks the segment and drives retention.
/// </summary>
internal abstract class SegmentedStoreBase<TKey, TValue> : TypedStoreBase<TKey, TValue>
{
    protected SegmentedStoreBase(
        string name, StoreType type, bool logged, ISerde<TKey> keySerde, ISerde<TValue> valueSerde, TimeSpan retention, TimeSpan? segmentInterval = null)
        : base(name, type, logged, keySerde, valueSerde)
    {
        Retention = retention;
        var retentionMs = (long)retention.TotalMilliseconds;
        var segmentIntervalMs = segmentInterval is { } interval ? (long)interval.TotalMilliseconds : SegmentedLayout.DefaultSegmentInterval(retentionMs);
        Layout = new SegmentedLayout(retentionMs, segmentIntervalMs, timeSuffixLength: 16);
    }

    public TimeSpan Retention { get; }

    protected SegmentedLayout Layout { get; }

    /// <summary>Every entry whose segment time is in [from, to], across keys.</summary>
    protected IEnumerable<KeyValuePair<byte[], byte[]>> ScanByTime(long from, long to)
    {
        var (first, last) = Layout.Segments(from, to);
        for (var segment = first; segment <= last; segment++)
        {
            Operations.Range.Increment();
            foreach (var entry in Store.Range(SegmentedLayout.SegmentPrefix(segment), SegmentedLayout.SegmentPrefix(segment + 1)))
            {
                var time = Layout.Time1(entry.Key);
                if (time >= from && time <= to && time >= Layout.MinLiveTime)
                {
                    yield return entry;
                }
            }
        }
    }

    /// <summary>The entries of one record key whose first time is in [from, to], segment by segment.</summary>
    protected IEnumerable<KeyValuePair<byte[], byte[]>> ScanKey(byte[] recordKey, long from, long to)
    {
        var (first, last) = Layout.Segments(from, to);
        var lowerTime = Math.Max(from, Layout.MinLiveTime);
        for (var segment = first; segment <= last; segment++)
        {
            var lower = Layout.Bound(segment, recordKey, lowerTime, 0);
            var upper = Layout.Bound(segment, recordKey, to, long.MaxValue);
            Operations.Range.Increment();
            foreach (var entry in Store.Range(lower, upper))
            {
                if (Layout.Matches(entry.Key, recordKey))
                {
                    yield return entry;
                }
            }
        }
    }

    /// <summary>Writes an entry unless its time has expired; returns false when it was dropped.</summary>
    protected bool PutEntry(long time, byte[] recordKey, long time2, byte[]? value)
    {
        // Through the layers, so that expired segments also leave the record cache (deletion is not logged).
        Layout.Observe(time, Store);
        Operations.CountWrite(value);
        if (time < Layout.MinLiveTime)
        {
            return false;
        }

        Store.Put(Layout.Key(time, recordKey, time, time2), value);
        return true;
    }

    protected bool TryGetEntry(long time, byte[] recordKey, long time2, out TValue value)
    {
        Operations.Get.Increment();
        if (time >= Layout.MinLiveTime)
        {
            return Store.TryRead(Layout.Key(time, recordKey, time, time2), ValueReader, out value);
        }

        value = default!;
        return false;
    }

    protected override void OnOpened(StateStoreContext context)
    {
        base.OnOpened(context);
        Layout.Open(Backend);
    }

    protected override void OnRestored(IReadOnlyList<KeyValuePair<byte[], byte[]?>> batch)
    {
        foreach (var (key, _) in batch)
        {
            Layout.Observe(Layout.Time1(key), Backend);
        }
    }
}
