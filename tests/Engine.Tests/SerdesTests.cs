using Confluent.Kafka;
using Streams.Engine.Serialization;
using Streams.Engine.State;

namespace Streams.Engine.Tests;

public sealed class SerdesTests
{
    private static readonly SerializationContext Context = new(MessageComponentType.Value, "topic");

    [Fact]
    public void Numbers_are_big_endian_like_kafkas_java_serdes()
    {
        Assert.Equal(new byte[] { 0, 0, 1, 2 }, Serdes.Int32.Serialize(258, Context));
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0, 1, 2 }, Serdes.Int64.Serialize(258, Context));
        Assert.Equal(new byte[] { 0x3F, 0xF0, 0, 0, 0, 0, 0, 0 }, Serdes.Double.Serialize(1.0, Context));
    }

    [Fact]
    public void Every_builtin_serde_round_trips_and_maps_null_to_a_null_payload()
    {
        Assert.Equal(-7, Serdes.Int32.Deserialize(Serdes.Int32.Serialize(-7, Context), false, Context));
        Assert.Equal(long.MinValue, Serdes.Int64.Deserialize(Serdes.Int64.Serialize(long.MinValue, Context), false, Context));
        Assert.Equal(0.1, Serdes.Double.Deserialize(Serdes.Double.Serialize(0.1, Context), false, Context));
        Assert.Equal("héllo", Serdes.String.Deserialize(Serdes.String.Serialize("héllo", Context), false, Context));
        Assert.Equal(new byte[] { 9 }, Serdes.ByteArray.Deserialize(new byte[] { 9 }, false, Context));
        Assert.Null(Serdes.String.Serialize(null!, Context));
        Assert.Null(Serdes.String.Deserialize([], true, Context));
    }

    private sealed record Purchase(string User, decimal Amount);

    [Fact]
    public void Json_serde_round_trips_records_and_reports_bad_json_as_a_serialization_error()
    {
        var serde = Serdes.Json<Purchase>();

        Assert.Equal(new Purchase("alice", 9.5m), serde.Deserialize(serde.Serialize(new Purchase("alice", 9.5m), Context), false, Context));
        Assert.Throws<SerializationException>(() => serde.Deserialize("{not json"u8, false, Context));
    }

    [Fact]
    public void A_number_of_the_wrong_length_is_a_serialization_error()
    {
        Assert.Throws<SerializationException>(() => Serdes.Int64.Deserialize(new byte[] { 1, 2, 3 }, false, Context));
    }

    [Fact]
    public void Windowed_keys_use_kafka_streams_layouts()
    {
        var timeWindowed = WindowedSerdes.TimeWindowed(Serdes.String, TimeSpan.FromMinutes(1));
        var bytes = timeWindowed.Serialize(new Windowed<string>("k", new Window(256, 60_256)), Context);
        Assert.Equal(new byte[] { (byte)'k', 0, 0, 0, 0, 0, 0, 1, 0 }, bytes);
        Assert.Equal(new Windowed<string>("k", new Window(256, 60_256)), timeWindowed.Deserialize(bytes, false, Context));

        var sessions = WindowedSerdes.SessionWindowed(Serdes.String);
        var session = new Windowed<string>("k", new Window(1, 2));
        Assert.Equal(new byte[] { (byte)'k', 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1 }, sessions.Serialize(session, Context));
        Assert.Equal(session, sessions.Deserialize(sessions.Serialize(session, Context), false, Context));
    }
}
