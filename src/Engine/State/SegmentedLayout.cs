using System.Buffers.Binary;

namespace Streams.Engine.State;

/// <summary>
/// The key layout of window and session stores: <c>[segment:8][record key][times…]</c>, all numbers big-endian so
/// that byte order is time order. A segment holds one interval of time; dropping expired data is one range delete of
/// whole segments instead of a scan. Timestamps must be non-negative, as Kafka timestamps are.
/// </summary>
internal sealed class SegmentedLayout(long retentionMs, long segmentIntervalMs, int timeSuffixLength)
{
    private long _firstLiveSegment;
    private long _maxSegment = -1;

    /// <summary>The largest time written so far, -1 before the first write.</summary>
    public long ObservedTime { get; private set; } = -1;

    public long RetentionMs { get; } = retentionMs;

    /// <summary>Kafka Streams' default: half the retention, at least a minute, so that at most a few segments are live.</summary>
    public static long DefaultSegmentInterval(long retentionMs) => Math.Max(retentionMs / 2, 60_000);

    /// <summary>Data with a time before this is expired.</summary>
    public long MinLiveTime => ObservedTime < 0 ? 0 : Math.Max(0, ObservedTime - RetentionMs);

    public long Segment(long time) => time / segmentIntervalMs;

    public byte[] Key(long segmentTime, ReadOnlySpan<byte> recordKey, long time1, long time2 = 0) =>
        Bound(Segment(segmentTime), recordKey, time1, time2);

    /// <summary>The first key of <paramref name="segment"/> for <paramref name="recordKey"/> at or after the given times.</summary>
    public byte[] Bound(long segment, ReadOnlySpan<byte> recordKey, long time1, long time2)
    {
        var key = new byte[8 + recordKey.Length + timeSuffixLength];
        BinaryPrimitives.WriteInt64BigEndian(key, segment);
        recordKey.CopyTo(key.AsSpan(8));
        WriteSuffix(key.AsSpan(8 + recordKey.Length), time1, time2);
        return key;
    }

    public static byte[] SegmentPrefix(long segment)
    {
        var prefix = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(prefix, segment);
        return prefix;
    }

    /// <summary>True when <paramref name="storeKey"/> belongs to exactly <paramref name="recordKey"/>.</summary>
    public bool Matches(byte[] storeKey, ReadOnlySpan<byte> recordKey) =>
        storeKey.Length == 8 + recordKey.Length + timeSuffixLength && storeKey.AsSpan(8, recordKey.Length).SequenceEqual(recordKey);

    public ReadOnlySpan<byte> RecordKey(byte[] storeKey) => storeKey.AsSpan(8, storeKey.Length - 8 - timeSuffixLength);

    public long Time1(byte[] storeKey) => BinaryPrimitives.ReadInt64BigEndian(storeKey.AsSpan(storeKey.Length - timeSuffixLength));

    public long Time2(byte[] storeKey) => BinaryPrimitives.ReadInt64BigEndian(storeKey.AsSpan(storeKey.Length - timeSuffixLength + 8));

    public long SegmentOfKey(byte[] storeKey) => BinaryPrimitives.ReadInt64BigEndian(storeKey);

    /// <summary>The live segments that may hold times in [from, to]; empty (First &gt; Last) when there are none.</summary>
    public (long First, long Last) Segments(long from, long to)
    {
        var first = Math.Max(Segment(Math.Max(from, MinLiveTime)), _firstLiveSegment);
        var last = Math.Min(Segment(Math.Max(to, 0)), _maxSegment);
        return (first, last);
    }

    /// <summary>Learns the segments already on disk, so that a reopened persistent store reads them before any write.</summary>
    public void Open(IKeyValueBytesStore backend)
    {
        var last = backend.LastKey();
        if (last is null)
        {
            return;
        }

        _maxSegment = SegmentOfKey(last);
        foreach (var first in backend.Range(null, null))
        {
            _firstLiveSegment = SegmentOfKey(first.Key);
            break;
        }
    }

    /// <summary>Records a write at <paramref name="time"/> and drops the segments that fell out of retention.</summary>
    public void Observe(long time, IKeyValueBytesStore backend)
    {
        if (time <= ObservedTime)
        {
            return;
        }

        ObservedTime = time;
        _maxSegment = Math.Max(_maxSegment, Segment(time));
        var minLiveSegment = Segment(MinLiveTime);
        if (minLiveSegment > _firstLiveSegment)
        {
            backend.DeleteRange(SegmentPrefix(_firstLiveSegment), SegmentPrefix(minLiveSegment));
            _firstLiveSegment = minLiveSegment;
        }
    }

    private void WriteSuffix(Span<byte> suffix, long time1, long time2)
    {
        if (time1 < 0 || time2 < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(time1), "Window and session stores take non-negative times only.");
        }

        BinaryPrimitives.WriteInt64BigEndian(suffix, time1);
        if (timeSuffixLength == 16)
        {
            BinaryPrimitives.WriteInt64BigEndian(suffix[8..], time2);
        }
    }
}
