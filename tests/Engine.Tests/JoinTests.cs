using Streams.Engine.Dsl;
using Streams.Engine.Dsl.Processors;
using Streams.Engine.Serialization;
using Streams.Engine.Testing;
using static Streams.Engine.Tests.TestTime;

namespace Streams.Engine.Tests;

public sealed class JoinTests
{
    private static readonly JoinWindows TenSeconds = JoinWindows.OfTimeDifferenceAndGrace(TimeSpan.FromSeconds(10), TimeSpan.Zero);

    private enum Kind
    {
        Inner,
        Left,
        Outer,
    }

    private sealed class JoinFixture : IDisposable
    {
        public JoinFixture(Kind kind, JoinWindows windows)
        {
            var builder = new StreamsBuilder();
            var views = builder.Stream("views", Serdes.String, Serdes.String);
            var clicks = builder.Stream("clicks", Serdes.String, Serdes.String);
            Func<string, string, string> joiner = (view, click) => $"{view ?? "-"}+{click ?? "-"}";
            var joined = kind switch
            {
                Kind.Inner => views.Join(clicks, joiner, windows),
                Kind.Left => views.LeftJoin(clicks, joiner, windows),
                _ => views.OuterJoin(clicks, joiner, windows),
            };
            joined.To("joined", Serdes.String, Serdes.String);
            Driver = new TopologyTestDriver(builder.Build());
            Views = Driver.CreateInputTopic("views", Serdes.String, Serdes.String);
            Clicks = Driver.CreateInputTopic("clicks", Serdes.String, Serdes.String);
            Output = Driver.CreateOutputTopic("joined", Serdes.String, Serdes.String);
        }

        public TopologyTestDriver Driver { get; }

        public TestInputTopic<string, string> Views { get; }

        public TestInputTopic<string, string> Clicks { get; }

        public TestOutputTopic<string, string> Output { get; }

        public List<(string Key, string Value, long Timestamp)> Read() =>
            Output.ReadRecordsToList().Select(r => (r.Key, r.Value, r.Timestamp)).ToList();

        public void Dispose() => Driver.Dispose();
    }

    [Fact]
    public void Inner_join_pairs_records_inside_the_window_with_the_later_timestamp()
    {
        using var fixture = new JoinFixture(Kind.Inner, TenSeconds);

        fixture.Views.PipeInput("alice", "v1", At(100));
        fixture.Clicks.PipeInput("alice", "c1", At(108));

        Assert.Equal([("alice", "v1+c1", At(108))], fixture.Read());
    }

    [Fact]
    public void Inner_join_ignores_records_outside_the_window_and_other_keys()
    {
        using var fixture = new JoinFixture(Kind.Inner, TenSeconds);

        fixture.Views.PipeInput("alice", "v1", At(100));
        fixture.Clicks.PipeInput("alice", "c1", At(111));   // 11 s after: outside ±10 s
        fixture.Clicks.PipeInput("bob", "c2", At(101));     // inside the window, other key

        Assert.Empty(fixture.Read());
    }

    [Fact]
    public void Inner_join_emits_every_pair_when_several_records_match()
    {
        using var fixture = new JoinFixture(Kind.Inner, TenSeconds);

        fixture.Views.PipeInput("alice", "v1", At(100));
        fixture.Views.PipeInput("alice", "v2", At(102));
        fixture.Clicks.PipeInput("alice", "c1", At(105));

        Assert.Equal(["v1+c1", "v2+c1"], fixture.Read().Select(r => r.Value));
    }

    [Fact]
    public void Asymmetric_windows_bound_each_side_separately()
    {
        var windows = JoinWindows.OfTimeDifferenceAndGrace(TimeSpan.Zero, TimeSpan.FromMinutes(1)).WithAfter(TimeSpan.FromSeconds(20));
        using var fixture = new JoinFixture(Kind.Inner, windows);

        fixture.Views.PipeInput("alice", "v1", At(100));
        fixture.Clicks.PipeInput("alice", "c-after", At(115));   // within 20 s after the view
        fixture.Clicks.PipeInput("alice", "c-before", At(95));   // before the view: outside (before = 0), not late (grace 1 min)

        Assert.Equal(["v1+c-after"], fixture.Read().Select(r => r.Value));
        Assert.Equal(0, fixture.Driver.Metrics.CounterTotal(DroppedRecordMetrics.LateRecordsDropped));
    }

    [Fact]
    public void Left_join_emits_an_unmatched_left_record_only_after_its_window_closes()
    {
        using var fixture = new JoinFixture(Kind.Left, TenSeconds);

        fixture.Views.PipeInput("alice", "v1", At(100));
        fixture.Views.PipeInput("bob", "v2", At(105));
        Assert.Empty(fixture.Read());   // a click may still come within 10 s

        fixture.Views.PipeInput("carol", "v3", At(111));  // stream time 111 s > 100 + 10: alice's window closed

        Assert.Equal([("alice", "v1+-", At(100))], fixture.Read());
    }

    [Fact]
    public void Left_join_emits_the_pair_and_no_unmatched_result_when_the_match_arrives_in_time()
    {
        using var fixture = new JoinFixture(Kind.Left, TenSeconds);

        fixture.Views.PipeInput("alice", "v1", At(100));
        fixture.Clicks.PipeInput("alice", "c1", At(109));
        fixture.Views.PipeInput("zed", "v9", At(200));   // closes alice's window

        Assert.Equal([("alice", "v1+c1", At(109))], fixture.Read());
    }

    [Fact]
    public void Outer_join_emits_unmatched_records_of_both_sides()
    {
        using var fixture = new JoinFixture(Kind.Outer, TenSeconds);

        fixture.Views.PipeInput("alice", "v1", At(100));
        fixture.Clicks.PipeInput("bob", "c1", At(101));
        fixture.Views.PipeInput("zed", "v9", At(200));

        Assert.Equal([("alice", "v1+-", At(100)), ("bob", "-+c1", At(101))], fixture.Read());
    }

    [Fact]
    public void A_join_record_older_than_stream_time_minus_grace_is_dropped_and_counted()
    {
        using var fixture = new JoinFixture(Kind.Inner, JoinWindows.OfTimeDifferenceAndGrace(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5)));

        fixture.Views.PipeInput("alice", "v1", At(100));
        fixture.Clicks.PipeInput("alice", "c1", At(96));   // 4 s behind stream time: within grace
        fixture.Clicks.PipeInput("alice", "c2", At(94));   // 6 s behind: late

        Assert.Equal(["v1+c1"], fixture.Read().Select(r => r.Value));
        Assert.Equal(1, fixture.Driver.Metrics.CounterTotal(DroppedRecordMetrics.LateRecordsDropped));
    }

    [Fact]
    public void Stream_table_join_uses_the_table_value_current_when_the_record_arrives()
    {
        var builder = new StreamsBuilder();
        var segments = builder.Table("segments", Serdes.String, Serdes.String, Materialized.As("segment-table"));
        builder.Stream("clicks", Serdes.String, Serdes.String)
            .Join(segments, (click, segment) => $"{click}@{segment}")
            .To("enriched", Serdes.String, Serdes.String);
        using var driver = new TopologyTestDriver(builder.Build());
        var table = driver.CreateInputTopic("segments", Serdes.String, Serdes.String);
        var clicks = driver.CreateInputTopic("clicks", Serdes.String, Serdes.String);

        clicks.PipeInput("alice", "c0", At(1));       // no segment yet: inner join drops it
        table.PipeInput("alice", "browser", At(2));
        clicks.PipeInput("alice", "c1", At(3));
        table.PipeInput("alice", "buyer", At(4));
        clicks.PipeInput("alice", "c2", At(5));
        table.PipeInput("alice", null!, At(6));       // tombstone: alice leaves the table
        clicks.PipeInput("alice", "c3", At(7));

        Assert.Equal(["c1@browser", "c2@buyer"], driver.CreateOutputTopic("enriched", Serdes.String, Serdes.String).ReadRecordsToList().Select(r => r.Value));
        Assert.False(driver.GetKeyValueStore<string, string>("segment-table").TryGet("alice", out _));
    }

    [Fact]
    public void Stream_table_left_join_passes_records_without_a_table_value()
    {
        var builder = new StreamsBuilder();
        var segments = builder.Table("segments", Serdes.String, Serdes.String);
        builder.Stream("clicks", Serdes.String, Serdes.String)
            .LeftJoin(segments, (click, segment) => $"{click}@{segment ?? "unknown"}")
            .To("enriched", Serdes.String, Serdes.String);
        using var driver = new TopologyTestDriver(builder.Build());

        driver.CreateInputTopic("clicks", Serdes.String, Serdes.String).PipeInput("alice", "c0", At(1));

        Assert.Equal("c0@unknown", driver.CreateOutputTopic("enriched", Serdes.String, Serdes.String).ReadValue());
    }
}
