using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;

namespace Streams.Engine.Serialization;

/// <summary>The built-in serdes. Numbers are big-endian, byte-compatible with Kafka's Java serdes.</summary>
public static class Serdes
{
    /// <summary>UTF-8 strings; null is a null payload.</summary>
    public static ISerde<string> String { get; } = new StringSerde();

    /// <summary>Raw bytes, passed through untouched.</summary>
    public static ISerde<byte[]> ByteArray { get; } = new ByteArraySerde();

    /// <summary>32-bit integers, 4 bytes big-endian.</summary>
    public static ISerde<int> Int32 { get; } = new Int32Serde();

    /// <summary>64-bit integers, 8 bytes big-endian.</summary>
    public static ISerde<long> Int64 { get; } = new Int64Serde();

    /// <summary>IEEE 754 doubles, 8 bytes big-endian.</summary>
    public static ISerde<double> Double { get; } = new DoubleSerde();

    /// <summary>JSON via System.Text.Json; null is a null payload.</summary>
    public static ISerde<T> Json<T>(JsonSerializerOptions? options = null) => new JsonSerde<T>(options);

    private sealed class StringSerde : ISerde<string>
    {
        public byte[] Serialize(string data, SerializationContext context) =>
            data is null ? null! : Encoding.UTF8.GetBytes(data);

        public string Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) =>
            isNull ? null! : Encoding.UTF8.GetString(data);
    }

    private sealed class ByteArraySerde : ISerde<byte[]>
    {
        public byte[] Serialize(byte[] data, SerializationContext context) => data;

        public byte[] Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) =>
            isNull ? null! : data.ToArray();
    }

    private sealed class Int32Serde : ISerde<int>
    {
        public byte[] Serialize(int data, SerializationContext context)
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(bytes, data);
            return bytes;
        }

        public int Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return default;
            }

            if (data.Length != 4)
            {
                throw new SerializationException($"An Int32 needs 4 bytes but {data.Length} were given.");
            }

            return BinaryPrimitives.ReadInt32BigEndian(data);
        }
    }

    private sealed class Int64Serde : ISerde<long>
    {
        public byte[] Serialize(long data, SerializationContext context)
        {
            var bytes = new byte[8];
            BinaryPrimitives.WriteInt64BigEndian(bytes, data);
            return bytes;
        }

        public long Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return default;
            }

            if (data.Length != 8)
            {
                throw new SerializationException($"An Int64 needs 8 bytes but {data.Length} were given.");
            }

            return BinaryPrimitives.ReadInt64BigEndian(data);
        }
    }

    private sealed class DoubleSerde : ISerde<double>
    {
        public byte[] Serialize(double data, SerializationContext context)
        {
            var bytes = new byte[8];
            BinaryPrimitives.WriteDoubleBigEndian(bytes, data);
            return bytes;
        }

        public double Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return default;
            }

            if (data.Length != 8)
            {
                throw new SerializationException($"A Double needs 8 bytes but {data.Length} were given.");
            }

            return BinaryPrimitives.ReadDoubleBigEndian(data);
        }
    }

    private sealed class JsonSerde<T>(JsonSerializerOptions? options) : ISerde<T>
    {
        private readonly JsonSerializerOptions _options = options ?? JsonSerializerOptions.Web;

        public byte[] Serialize(T data, SerializationContext context) =>
            data is null ? null! : JsonSerializer.SerializeToUtf8Bytes(data, _options);

        public T Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return default!;
            }

            try
            {
                return JsonSerializer.Deserialize<T>(data, _options)!;
            }
            catch (JsonException e)
            {
                throw new SerializationException($"The payload is not valid JSON for {typeof(T).Name}: {e.Message}", e);
            }
        }
    }
}
