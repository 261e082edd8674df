using System.Diagnostics;
using Avro.Generic;
using Avro.IO;
using Confluent.Kafka;
using Personalization.Topology.Records;
using Streams.Avro;

namespace Personalization.Bench.Scenarios;

/// <summary>
/// ClickEvent round trips (serialize then deserialize, Confluent wire format) through the engine's Avro serde, against
/// Apache.Avro's generic datum reader and writer doing the same work in the same run.
/// </summary>
internal static class SerdeScenario
{
    private const int Distinct = 1_000;

    public static IReadOnlyList<ScenarioResult> Run(int roundTrips)
    {
        var random = new Random(42);
        var events = Enumerable.Range(0, Distinct).Select(i => Sample(random, i)).ToArray();
        var serde = new AvroSerde<ClickEvent>(RecordSchemas.LocalRegistry());
        var context = new SerializationContext(MessageComponentType.Value, "events.clickstream");

        var generic = events.Select(e => ToGeneric(serde.Serialize(e, context))).ToArray();
        var writer = new GenericDatumWriter<GenericRecord>(ClickEvent.Schema);
        var reader = new GenericDatumReader<GenericRecord>(ClickEvent.Schema, ClickEvent.Schema);

        RoundTripsThroughSerde(serde, events, context, Distinct * 10);
        RoundTripsThroughApacheAvro(writer, reader, generic, Distinct * 10);

        var baseline = Measure("apache-avro-generic", roundTrips, () => RoundTripsThroughApacheAvro(writer, reader, generic, roundTrips));
        var ours = Measure("engine-avro-serde", roundTrips, () => RoundTripsThroughSerde(serde, events, context, roundTrips));
        return [baseline, ours with { Ratio = ours.EventsPerSecond / baseline.EventsPerSecond, Baseline = baseline.Variant }];
    }

    private static ScenarioResult Measure(string variant, int roundTrips, Action run)
    {
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var stopwatch = Stopwatch.StartNew();
        run();
        stopwatch.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        return new ScenarioResult
        {
            Scenario = "serde",
            Variant = variant,
            Events = roundTrips,
            Seconds = stopwatch.Elapsed.TotalSeconds,
            AllocatedBytesPerEvent = (double)allocated / roundTrips,
            PeakWorkingSetMb = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0,
        };
    }

    private static void RoundTripsThroughSerde(AvroSerde<ClickEvent> serde, ClickEvent[] events, SerializationContext context, int count)
    {
        var checksum = 0L;
        for (var i = 0; i < count; i++)
        {
            var bytes = serde.Serialize(events[i % events.Length], context);
            checksum += serde.Deserialize(bytes, false, context).Timestamp.Ticks;
        }

        GC.KeepAlive(checksum);
    }

    private static void RoundTripsThroughApacheAvro(GenericDatumWriter<GenericRecord> writer, GenericDatumReader<GenericRecord> reader, GenericRecord[] records, int count)
    {
        var checksum = 0L;
        for (var i = 0; i < count; i++)
        {
            using var output = new MemoryStream();
            output.Write([0, 0, 0, 0, 2]);
            writer.Write(records[i % records.Length], new BinaryEncoder(output));
            var bytes = output.ToArray();
            using var input = new MemoryStream(bytes, 5, bytes.Length - 5);
            checksum += ((DateTime)reader.Read(null!, new BinaryDecoder(input))["timestamp"]).Ticks;
        }

        GC.KeepAlive(checksum);
    }

    private static GenericRecord ToGeneric(byte[] wireFormat)
    {
        using var input = new MemoryStream(wireFormat, 5, wireFormat.Length - 5);
        return new GenericDatumReader<GenericRecord>(ClickEvent.Schema, ClickEvent.Schema).Read(null!, new BinaryDecoder(input));
    }

    private static ClickEvent Sample(Random random, int i) => new()
    {
        EventId = $"evt-{i:x8}-{random.Next():x8}",
        UserId = $"user-{random.Next(100_000)}",
        SessionId = $"session-{random.Next(1_000_000):x}",
        Type = (EventType)random.Next(14),
        Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000 + i * 1000L),
        ItemId = random.Next(3) > 0 ? $"item-{random.Next(50_000)}" : null,
        Category = random.Next(3) > 0 ? $"category-{random.Next(200)}" : null,
        Price = random.Next(3) > 0 ? Math.Round(random.NextDouble() * 300, 2) : null,
        Quantity = random.Next(3) > 0 ? random.Next(1, 5) : null,
        Channel = (Channel)random.Next(4),
        DeviceId = $"device-{random.Next(200_000):x}",
        IpHash = $"{random.NextInt64():x16}",
        Country = "DE",
    };
}
