using System.Buffers.Binary;
using Confluent.Kafka;
using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.Serialization;
using Streams.Engine.State;

namespace Streams.Engine.Dsl.Processors;

/// <summary>
/// One side of a stream–stream join, seen from that side: its store and the other side's, and the user's joiner
/// oriented so that this side's value comes first (the DSL swaps the arguments back for the right side).
/// </summary>
internal sealed record StreamJoinSide<TKey, TThis, TOther, TResult>(
    bool IsLeft,
    string ThisStore,
    string OtherStore,
    string? UnmatchedStore,
    JoinWindows Windows,
    bool ThisOuter,
    bool OtherOuter,
    Func<TThis, TOther, TResult> Join,
    Func<TThis, TResult> ThisAlone,
    Func<TOther, TResult> OtherAlone,
    ISerde<TKey> KeySerde,
    ISerde<TThis> ThisSerde,
    ISerde<TOther> OtherSerde);

/// <summary>
/// One side of a windowed stream–stream join. A record is buffered in its side's window store and joined with the
/// other side's buffered records inside the window. For outer sides, a record that found no partner waits in the
/// unmatched buffer (ordered by time) and is emitted with a default partner once stream time passes its window plus
/// grace, unless a partner arrives first.
/// </summary>
internal sealed class StreamStreamJoinProcessor<TKey, TThis, TOther, TResult>(StreamJoinSide<TKey, TThis, TOther, TResult> side)
    : IProcessor<TKey, TThis, TKey, TResult>
{
    private const byte LeftSide = 0;
    private const byte RightSide = 1;
    private IProcessorContext<TKey, TResult>? _context;
    private IWindowStore<TKey, TThis>? _thisStore;
    private IWindowStore<TKey, TOther>? _otherStore;
    private IKeyValueStore<byte[], byte[]>? _unmatched;
    private Counter? _late;
    private Counter? _nullKeys;
    private int _sequence;

    private byte ThisSide => side.IsLeft ? LeftSide : RightSide;

    private byte OtherSide => side.IsLeft ? RightSide : LeftSide;

    public void Init(IProcessorContext<TKey, TResult> context)
    {
        _context = context;
        _thisStore = context.GetStateStore<IWindowStore<TKey, TThis>>(side.ThisStore);
        _otherStore = context.GetStateStore<IWindowStore<TKey, TOther>>(side.OtherStore);
        if (side.UnmatchedStore is not null)
        {
            _unmatched = context.GetStateStore<IKeyValueStore<byte[], byte[]>>(side.UnmatchedStore);
        }

        _late = context.Metrics.Counter(DroppedRecordMetrics.LateRecordsDropped, side.ThisStore);
        _nullKeys = context.Metrics.Counter(DroppedRecordMetrics.NullKeyRecordsDropped, side.ThisStore);
        _sequence = Random.Shared.Next();
    }

    public void Process(Record<TKey, TThis> record)
    {
        if (record.Key is null)
        {
            _nullKeys!.Increment();
            return;
        }

        var streamTime = _context!.CurrentStreamTimeMs;
        var timestamp = record.Timestamp;
        if (timestamp < streamTime - side.Windows.GraceMs)
        {
            _late!.Increment();
            return;
        }

        _thisStore!.Put(record.Key, record.Value, timestamp);

        // Left record at t joins right records in [t - before, t + after]; seen from the right, the bounds swap.
        var lookBack = side.IsLeft ? side.Windows.BeforeMs : side.Windows.AfterMs;
        var lookAhead = side.IsLeft ? side.Windows.AfterMs : side.Windows.BeforeMs;
        var matched = false;
        byte[]? keyBytes = null;
        foreach (var (otherTimestamp, otherValue) in _otherStore!.Fetch(record.Key, Math.Max(0, timestamp - lookBack), timestamp + lookAhead))
        {
            matched = true;
            if (side.OtherOuter)
            {
                keyBytes ??= SerializeKey(record.Key);
                RemoveUnmatched(OtherSide, otherTimestamp, keyBytes);
            }

            _context.Forward(new Record<TKey, TResult>(record.Key, side.Join(record.Value, otherValue), Math.Max(timestamp, otherTimestamp), record.Headers));
        }

        if (!matched && side.ThisOuter)
        {
            keyBytes ??= SerializeKey(record.Key);
            var valueBytes = side.ThisSerde.Serialize(record.Value, default) ?? [];
            _sequence = (_sequence + 1) & int.MaxValue;
            _unmatched!.Put(UnmatchedKey(timestamp, ThisSide, keyBytes, _sequence), valueBytes);
        }

        if (_unmatched is not null)
        {
            EmitExpiredUnmatched(streamTime);
        }
    }

    private void EmitExpiredUnmatched(long streamTime)
    {
        // A left record at t can no longer be matched once streamTime - grace > t + after (no accepted right record
        // can be within its window); a right record at t once streamTime - grace > t + before.
        var horizon = streamTime - side.Windows.GraceMs;
        var bound = horizon - Math.Min(side.Windows.BeforeMs, side.Windows.AfterMs);
        if (bound <= 0)
        {
            return;
        }

        var expired = new List<KeyValuePair<byte[], byte[]>>();
        foreach (var entry in _unmatched!.Range([], TimePrefix(bound)))
        {
            var time = BinaryPrimitives.ReadInt64BigEndian(entry.Key);
            if (time + (entry.Key[8] == LeftSide ? side.Windows.AfterMs : side.Windows.BeforeMs) < horizon)
            {
                expired.Add(entry);
            }
        }

        foreach (var (bufferKey, valueBytes) in expired)
        {
            _unmatched.Delete(bufferKey);
            var time = BinaryPrimitives.ReadInt64BigEndian(bufferKey);
            var keyLength = BinaryPrimitives.ReadInt32BigEndian(bufferKey.AsSpan(9));
            var key = side.KeySerde.Deserialize(bufferKey.AsSpan(13, keyLength), false, default);
            var result = bufferKey[8] == ThisSide
                ? side.ThisAlone(side.ThisSerde.Deserialize(valueBytes, false, default))
                : side.OtherAlone(side.OtherSerde.Deserialize(valueBytes, false, default));
            _context!.Forward(new Record<TKey, TResult>(key, result, time));
        }
    }

    private void RemoveUnmatched(byte side, long timestamp, byte[] keyBytes)
    {
        var prefix = UnmatchedPrefix(timestamp, side, keyBytes);
        var upper = new byte[prefix.Length + 5];
        prefix.CopyTo(upper, 0);
        upper.AsSpan(prefix.Length).Fill(0xFF);
        foreach (var entry in _unmatched!.Range(prefix, upper).ToList())
        {
            _unmatched.Delete(entry.Key);
        }
    }

    private byte[] SerializeKey(TKey key) =>
        side.KeySerde.Serialize(key, new SerializationContext(MessageComponentType.Key, side.UnmatchedStore ?? ""));

    // Layout [time:8][side:1][key length:4][key][sequence:4]: time order first, so expiry scans a prefix.
    private static byte[] UnmatchedPrefix(long timestamp, byte side, byte[] keyBytes)
    {
        var prefix = new byte[13 + keyBytes.Length];
        BinaryPrimitives.WriteInt64BigEndian(prefix, timestamp);
        prefix[8] = side;
        BinaryPrimitives.WriteInt32BigEndian(prefix.AsSpan(9), keyBytes.Length);
        keyBytes.CopyTo(prefix, 13);
        return prefix;
    }

    private static byte[] UnmatchedKey(long timestamp, byte side, byte[] keyBytes, int sequence)
    {
        var prefix = UnmatchedPrefix(timestamp, side, keyBytes);
        var key = new byte[prefix.Length + 4];
        prefix.CopyTo(key, 0);
        BinaryPrimitives.WriteInt32BigEndian(key.AsSpan(prefix.Length), sequence);
        return key;
    }

    private static byte[] TimePrefix(long timestamp)
    {
        var prefix = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(prefix, timestamp);
        return prefix;
    }
}
