using System.Buffers.Binary;
using Confluent.Kafka;
using Streams.Engine.State;

namespace Streams.Engine.Serialization;

/// <summary>
/// Serdes for windowed keys in Kafka Streams' layouts: time windows as <c>[key][start:8]</c>, sessions as
/// <c>[key][end:8][start:8]</c>, big-endian, so consumers written against Kafka Streams read them too.
/// </summary>
public static class WindowedSerdes
{
    /// <summary>Time-windowed keys; the window end is start + <paramref name="windowSize"/>.</summary>
    public static ISerde<Windowed<TKey>> TimeWindowed<TKey>(ISerde<TKey> keySerde, TimeSpan windowSize) =>
        new TimeWindowedSerde<TKey>(keySerde, (long)windowSize.TotalMilliseconds);

    /// <summary>Session-windowed keys.</summary>
    public static ISerde<Windowed<TKey>> SessionWindowed<TKey>(ISerde<TKey> keySerde) => new SessionWindowedSerde<TKey>(keySerde);

    private sealed class TimeWindowedSerde<TKey>(ISerde<TKey> keySerde, long windowSizeMs) : ISerde<Windowed<TKey>>
    {
        public byte[] Serialize(Windowed<TKey> data, SerializationContext context)
        {
            var key = keySerde.Serialize(data.Key, context) ?? [];
            var bytes = new byte[key.Length + 8];
            key.CopyTo(bytes, 0);
            BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(key.Length), data.Window.Start);
            return bytes;
        }

        public Windowed<TKey> Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull || data.Length < 8)
            {
                throw new SerializationException($"A time-windowed key needs at least 8 bytes but {data.Length} were given.");
            }

            var start = BinaryPrimitives.ReadInt64BigEndian(data[^8..]);
            return new Windowed<TKey>(keySerde.Deserialize(data[..^8], false, context), new Window(start, start + windowSizeMs));
        }
    }

    private sealed class SessionWindowedSerde<TKey>(ISerde<TKey> keySerde) : ISerde<Windowed<TKey>>
    {
        public byte[] Serialize(Windowed<TKey> data, SerializationContext context)
        {
            var key = keySerde.Serialize(data.Key, context) ?? [];
            var bytes = new byte[key.Length + 16];
            key.CopyTo(bytes, 0);
            BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(key.Length), data.Window.End);
            BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(key.Length + 8), data.Window.Start);
            return bytes;
        }

        public Windowed<TKey> Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull || data.Length < 16)
            {
                throw new SerializationException($"A session-windowed key needs at least 16 bytes but {data.Length} were given.");
            }

            var end = BinaryPrimitives.ReadInt64BigEndian(data[^16..^8]);
            var start = BinaryPrimitives.ReadInt64BigEndian(data[^8..]);
            return new Windowed<TKey>(keySerde.Deserialize(data[..^16], false, context), new Window(start, end));
        }
    }
}
