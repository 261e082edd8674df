using Streams.Engine.Dsl;
using Streams.Engine.Graph;
using Streams.Engine.Processor;
using Streams.Engine.Serialization;
using Streams.Engine.Testing;
using static Streams.Engine.Tests.TestTime;

namespace Streams.Engine.Tests;

public sealed class StreamTimeAndPunctuationTests
{
    /// <summary>Forwards, for each record, the task's stream time when the record arrived.</summary>
    private sealed class StreamTimeProbe : IProcessor<string, string, string, long>
    {
        private IProcessorContext<string, long>? _context;

        public void Init(IProcessorContext<string, long> context) => _context = context;

        public void Process(Record<string, string> record) => _context!.Forward(record.WithValue(_context.CurrentStreamTimeMs));
    }

    /// <summary>Schedules one punctuator of the given type and forwards each punctuation time.</summary>
    private sealed class Punctuated(PunctuationType type, TimeSpan interval) : IProcessor<string, string, string, long>
    {
        public void Init(IProcessorContext<string, long> context) =>
            context.Schedule(interval, type, time => context.Forward(new Record<string, long>("tick", time, time)));

        public void Process(Record<string, string> record)
        {
        }
    }

    [Fact]
    public void Stream_time_is_the_largest_timestamp_seen_and_never_goes_back()
    {
        var builder = new StreamsBuilder();
        builder.Stream("in", Serdes.String, Serdes.String).Process(() => new StreamTimeProbe()).To("out", Serdes.String, Serdes.Int64);
        using var driver = new TopologyTestDriver(builder.Build());
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);

        input.PipeInput("k", "a", At(10));
        input.PipeInput("k", "b", At(5));
        input.PipeInput("k", "c", At(20));

        Assert.Equal([At(10), At(10), At(20)], driver.CreateOutputTopic("out", Serdes.String, Serdes.Int64).ReadRecordsToList().Select(r => r.Value));
    }

    [Fact]
    public void Each_task_keeps_its_own_stream_time()
    {
        var builder = new StreamsBuilder();
        builder.Stream("a", Serdes.String, Serdes.String).Process(() => new StreamTimeProbe()).To("a-out", Serdes.String, Serdes.Int64);
        builder.Stream("b", Serdes.String, Serdes.String).Process(() => new StreamTimeProbe()).To("b-out", Serdes.String, Serdes.Int64);
        var topology = builder.Build();
        Assert.Equal(2, topology.Describe().Subtopologies.Count);
        using var driver = new TopologyTestDriver(topology);

        driver.CreateInputTopic("a", Serdes.String, Serdes.String).PipeInput("k", "x", At(100));
        driver.CreateInputTopic("b", Serdes.String, Serdes.String).PipeInput("k", "y", At(1));

        Assert.Equal(At(1), driver.CreateOutputTopic("b-out", Serdes.String, Serdes.Int64).ReadValue());
    }

    [Fact]
    public void Output_records_carry_the_input_timestamp_and_headers()
    {
        var builder = new StreamsBuilder();
        builder.Stream("in", Serdes.String, Serdes.String).MapValues(v => v.ToUpperInvariant()).To("out", Serdes.String, Serdes.String);
        using var driver = new TopologyTestDriver(builder.Build());
        var headers = new Confluent.Kafka.Headers { { "trace", "abc"u8.ToArray() } };

        driver.CreateInputTopic("in", Serdes.String, Serdes.String).PipeInput("k", "v", At(42), headers);

        var record = driver.CreateOutputTopic("out", Serdes.String, Serdes.String).ReadRecord();
        Assert.Equal(("V", At(42), "abc"), (record.Value, record.Timestamp, record.HeaderStrings["trace"]));
    }

    [Fact]
    public void A_timestamp_extractor_sets_event_time_from_the_value()
    {
        var builder = new StreamsBuilder();
        builder.Stream("in", Serdes.String, Serdes.Int64, timestampExtractor: (_, eventTime, _) => eventTime)
            .Process(() => new TimeOfRecord()).To("out", Serdes.String, Serdes.Int64);
        using var driver = new TopologyTestDriver(builder.Build());

        driver.CreateInputTopic("in", Serdes.String, Serdes.Int64).PipeInput("k", At(7), timestamp: At(999));

        Assert.Equal(At(7), driver.CreateOutputTopic("out", Serdes.String, Serdes.Int64).ReadRecord().Timestamp);
    }

    private sealed class TimeOfRecord : IProcessor<string, long, string, long>
    {
        private IProcessorContext<string, long>? _context;

        public void Init(IProcessorContext<string, long> context) => _context = context;

        public void Process(Record<string, long> record) => _context!.Forward(record);
    }

    [Fact]
    public void Stream_time_punctuation_fires_as_record_timestamps_cross_the_interval_and_not_on_wall_clock()
    {
        var topology = new Topology()
            .AddSource("src", "in", Serdes.String, Serdes.String)
            .AddProcessor("punctuated", () => new Punctuated(PunctuationType.StreamTime, TimeSpan.FromSeconds(10)), "src")
            .AddSink("sink", "ticks", Serdes.String, Serdes.Int64, "punctuated");
        using var driver = new TopologyTestDriver(topology);
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);
        var ticks = driver.CreateOutputTopic("ticks", Serdes.String, Serdes.Int64);

        input.PipeInput("k", "a", At(0));      // anchors the grid at 0 s
        input.PipeInput("k", "b", At(9.999));
        Assert.True(ticks.IsEmpty);

        input.PipeInput("k", "c", At(10));
        input.PipeInput("k", "d", At(35));     // jumps past 20 and 30 s: fires once
        driver.AdvanceWallClockTime(TimeSpan.FromHours(1));
        input.PipeInput("k", "e", At(39));

        Assert.Equal([At(10), At(35)], ticks.ReadRecordsToList().Select(r => r.Value));
    }

    [Fact]
    public void Wall_clock_punctuation_fires_without_records_when_the_clock_advances()
    {
        var topology = new Topology()
            .AddSource("src", "in", Serdes.String, Serdes.String)
            .AddProcessor("punctuated", () => new Punctuated(PunctuationType.WallClockTime, TimeSpan.FromSeconds(5)), "src")
            .AddSink("sink", "ticks", Serdes.String, Serdes.Int64, "punctuated");
        using var driver = new TopologyTestDriver(topology, initialWallClock: DateTimeOffset.FromUnixTimeMilliseconds(T0));
        var ticks = driver.CreateOutputTopic("ticks", Serdes.String, Serdes.Int64);

        driver.AdvanceWallClockTime(TimeSpan.FromSeconds(4));
        Assert.True(ticks.IsEmpty);
        driver.AdvanceWallClockTime(TimeSpan.FromSeconds(1));
        driver.AdvanceWallClockTime(TimeSpan.FromSeconds(12));  // past 10 and 15 s: once

        Assert.Equal([At(5), At(17)], ticks.ReadRecordsToList().Select(r => r.Value));
    }

    [Fact]
    public void A_cancelled_punctuator_stops_firing()
    {
        var topology = new Topology()
            .AddSource("src", "in", Serdes.String, Serdes.String)
            .AddProcessor("once", () => new CancelAfterFirst(), "src")
            .AddSink("sink", "ticks", Serdes.String, Serdes.Int64, "once");
        using var driver = new TopologyTestDriver(topology);

        for (var i = 0; i < 3; i++)
        {
            driver.AdvanceWallClockTime(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(1, driver.CreateOutputTopic("ticks", Serdes.String, Serdes.Int64).QueueSize);
    }

    private sealed class CancelAfterFirst : IProcessor<string, string, string, long>
    {
        private IDisposable? _schedule;

        public void Init(IProcessorContext<string, long> context) =>
            _schedule = context.Schedule(TimeSpan.FromSeconds(1), PunctuationType.WallClockTime, time =>
            {
                context.Forward(new Record<string, long>("tick", time, time));
                _schedule!.Dispose();
            });

        public void Process(Record<string, string> record)
        {
        }
    }

    /// <summary>Forwards the source coordinates of each record, and "none" from a punctuator.</summary>
    private sealed class MetadataProbe : IProcessor<string, string, string, string>
    {
        private IProcessorContext<string, string>? _context;

        public void Init(IProcessorContext<string, string> context)
        {
            _context = context;
            context.Schedule(TimeSpan.FromSeconds(1), PunctuationType.WallClockTime, time =>
                context.Forward(new Record<string, string>("punctuation", context.RecordMetadata is null ? "none" : "some", time)));
        }

        public void Process(Record<string, string> record)
        {
            var metadata = _context!.RecordMetadata!.Value;
            var trace = metadata.Headers?.TryGetLastBytes("trace", out var bytes) == true ? System.Text.Encoding.UTF8.GetString(bytes) : "";
            _context.Forward(record.WithValue($"{metadata.Topic}/{metadata.Partition}/{metadata.Offset}/{metadata.Timestamp}/{trace}"));
        }
    }

    [Fact]
    public void A_processor_sees_the_source_coordinates_of_its_record_and_none_during_punctuation()
    {
        var topology = new Topology()
            .AddSource("src", "in", Serdes.String, Serdes.String)
            .AddProcessor("probe", () => new MetadataProbe(), "src")
            .AddSink("sink", "out", Serdes.String, Serdes.String, "probe");
        using var driver = new TopologyTestDriver(topology);
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);

        input.PipeInput("k", "a", At(1));
        input.PipeInput("k", "b", At(2), new Confluent.Kafka.Headers { { "trace", "t-2"u8.ToArray() } });
        driver.AdvanceWallClockTime(TimeSpan.FromSeconds(1));

        Assert.Equal(
            [$"in/0/0/{At(1)}/", $"in/0/1/{At(2)}/t-2", "none"],
            driver.CreateOutputTopic("out", Serdes.String, Serdes.String).ReadRecordsToList().Select(r => r.Value));
    }
}
