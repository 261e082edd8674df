using Streams.Engine.Dsl;
using Streams.Engine.Dsl.Processors;
using Streams.Engine.Serialization;
using Streams.Engine.State;
using Streams.Engine.Testing;
using static Streams.Engine.Tests.TestTime;

namespace Streams.Engine.Tests;

public sealed class SessionWindowTests
{
    private static readonly TimeSpan Gap = TimeSpan.FromMinutes(5);

    private static TopologyTestDriver Driver(TimeSpan grace)
    {
        var builder = new StreamsBuilder();
        builder.Stream("clicks", Serdes.String, Serdes.String)
            .GroupByKey()
            .WindowedBy(SessionWindows.OfInactivityGapAndGrace(Gap, grace))
            .Count(new Materialized("sessions") { Retention = TimeSpan.FromHours(1) })
            .ToStream()
            .To("sessions-out");
        return new TopologyTestDriver(builder.Build());
    }

    private static List<(Window Window, long Count)> Sessions(TopologyTestDriver driver, string key) =>
        driver.GetSessionStore<string, long>("sessions").All()
            .Where(entry => entry.Key.Key == key)
            .Select(entry => (entry.Key.Window, entry.Value))
            .OrderBy(entry => entry.Window.Start)
            .ToList();

    [Fact]
    public void Records_further_apart_than_the_gap_form_separate_sessions()
    {
        using var driver = Driver(TimeSpan.Zero);
        var input = driver.CreateInputTopic("clicks", Serdes.String, Serdes.String);

        input.PipeInput("alice", "a", At(0));
        input.PipeInput("alice", "b", At(60));
        input.PipeInput("alice", "c", At(60 + 301));

        Assert.Equal([(new Window(At(0), At(60)), 2L), (new Window(At(361), At(361)), 1L)], Sessions(driver, "alice"));
    }

    [Fact]
    public void A_record_between_two_sessions_merges_them_and_retracts_the_old_ones()
    {
        using var driver = Driver(TimeSpan.FromMinutes(10));
        var input = driver.CreateInputTopic("clicks", Serdes.String, Serdes.String);
        var output = driver.CreateOutputTopic("sessions-out", WindowedSerdes.SessionWindowed(Serdes.String), Serdes.Int64);

        input.PipeInput("alice", "a", At(0));
        input.PipeInput("alice", "b", At(400));  // 400 s > 300 s gap: a second session
        output.ReadRecordsToList();

        input.PipeInput("alice", "c", At(200));  // within the gap of both: bridges them

        Assert.Equal([(new Window(At(0), At(400)), 3L)], Sessions(driver, "alice"));
        var emitted = output.ReadRecordsToList().Select(r => (r.Key.Window, r.Value)).ToList();
        Assert.Equal(
            [(new Window(At(0), At(0)), 0L), (new Window(At(400), At(400)), 0L), (new Window(At(0), At(400)), 3L)],
            emitted);
    }

    [Fact]
    public void A_record_whose_session_would_end_before_stream_time_minus_grace_is_late()
    {
        using var driver = Driver(TimeSpan.FromSeconds(30));
        var input = driver.CreateInputTopic("clicks", Serdes.String, Serdes.String);

        input.PipeInput("bob", "a", At(1000));
        input.PipeInput("bob", "b", At(100));  // a new session [100, 100] would end 900 s before stream time

        Assert.Equal([(new Window(At(1000), At(1000)), 1L)], Sessions(driver, "bob"));
        Assert.Equal(1, driver.Metrics.CounterValue(DroppedRecordMetrics.LateRecordsDropped, "sessions"));
    }

    [Fact]
    public void Emit_on_window_close_is_refused_for_session_windows_with_a_clear_error()
    {
        var table = new StreamsBuilder().Stream("clicks", Serdes.String, Serdes.String)
            .GroupByKey().WindowedBy(SessionWindows.OfInactivityGapWithNoGrace(Gap)).Count();

        var error = Assert.Throws<NotSupportedException>(() => table.ToStream(EmitStrategy.OnWindowClose));
        Assert.Contains("only time-windowed", error.Message);
    }
}
