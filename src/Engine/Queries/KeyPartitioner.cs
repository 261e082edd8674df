using System.Buffers.Binary;

namespace Streams.Engine.Queries;

/// <summary>
/// The partition of a key as Java clients, Kafka Streams and the runtime's own producers (librdkafka's
/// <c>murmur2_random</c>) choose it: the positive 32-bit murmur2 hash of the serialized key, modulo the partition count.
/// Interactive queries use it to find the task, and so the instance, that holds a key.
/// </summary>
public static class KeyPartitioner
{
    /// <summary>The partition of <paramref name="key"/> among <paramref name="partitions"/>.</summary>
    public static int Partition(ReadOnlySpan<byte> key, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        return (Murmur2(key) & 0x7fffffff) % partitions;
    }

    /// <summary>MurmurHash2 (32-bit) with the seed Kafka's partitioners use.</summary>
    public static int Murmur2(ReadOnlySpan<byte> data)
    {
        const uint Multiplier = 0x5bd1e995;
        const int Shift = 24;
        var hash = 0x9747b28cu ^ (uint)data.Length;
        var offset = 0;
        for (; offset + 4 <= data.Length; offset += 4)
        {
            var k = BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]);
            k *= Multiplier;
            k ^= k >> Shift;
            k *= Multiplier;
            hash = (hash * Multiplier) ^ k;
        }

        var tail = data.Length - offset;
        if (tail == 3)
        {
            hash ^= (uint)data[offset + 2] << 16;
        }

        if (tail >= 2)
        {
            hash ^= (uint)data[offset + 1] << 8;
        }

        if (tail >= 1)
        {
            hash ^= data[offset];
            hash *= Multiplier;
        }

        hash ^= hash >> 13;
        hash *= Multiplier;
        hash ^= hash >> 15;
        return (int)hash;
    }
}
