using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Personalization.Topology.Records;
using Streams.Engine.Tracing;

namespace Personalization.Topology.Tests.Bandit;

/// <summary>
/// Tracing through the topology with the OpenTelemetry SDK and an in-memory exporter: a record is processed under a
/// span that continues the trace it arrived with, and a training record is written under a span that continues its
/// decision's trace and links to the decision and its reward, with that span's context in the record's headers.
/// </summary>
public sealed class RewardJoinTracingTests
{
    private static readonly DateTimeOffset T0 = ScoringHarness.WallStart;

    private static Headers TraceHeaders(ActivityTraceId trace, ActivitySpanId span) =>
        new() { { StreamsTracing.TraceParentHeader, Encoding.ASCII.GetBytes($"00-{trace.ToHexString()}-{span.ToHexString()}-01") } };

    [Fact]
    public void A_training_record_continues_its_decisions_trace_and_links_to_the_decision_and_the_reward()
    {
        var (decisionTrace, decisionSpan) = (ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom());
        var (rewardTrace, rewardSpan) = (ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom());
        var exported = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(StreamsTracing.SourceName, PersonalizationTracing.SourceName)
            .SetSampler(new OnlyTheseTraces(decisionTrace, rewardTrace))
            .AddInMemoryExporter(exported)
            .Build();
        using var harness = new ScoringHarness();
        var decision = new Decision
        {
            EventId = "traced-decision", UserId = "u-traced", Timestamp = T0, Context = new Dictionary<string, double> { ["hour"] = 9 },
            Actions = ["a", "b"], ChosenAction = "a", Probability = 0.6, Probabilities = [0.6, 0.4], ModelId = "m",
        };
        var reward = new Reward { EventId = decision.EventId, UserId = decision.UserId, Value = 3, Timestamp = T0.AddSeconds(2) };

        harness.Decisions.PipeInput(decision.UserId, decision, decision.Timestamp.ToUnixTimeMilliseconds(), TraceHeaders(decisionTrace, decisionSpan));
        harness.Rewards.PipeInput(reward.UserId, reward, reward.Timestamp.ToUnixTimeMilliseconds(), TraceHeaders(rewardTrace, rewardSpan));
        harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(30));
        tracing.ForceFlush();

        var training = Assert.Single(harness.Training.ReadRecordsToList());
        var processing = exported.Where(a => a.Source.Name == StreamsTracing.SourceName && a.TraceId == decisionTrace).ToList();
        var processedDecision = Assert.Single(processing, a => a.DisplayName == "process bandit.decisions");
        // The trace goes on where the training record is read again, by the policy evaluation.
        Assert.Contains(processing, a => a.DisplayName.EndsWith("-training-by-policy-repartition", StringComparison.Ordinal));
        Assert.Equal(decisionSpan, processedDecision.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, processedDecision.Kind);
        Assert.Contains(exported, a => a.TraceId == rewardTrace && a.ParentSpanId == rewardSpan);

        var join = Assert.Single(exported, a => a.Source.Name == PersonalizationTracing.SourceName && a.TraceId == decisionTrace);
        Assert.Equal("reward-join", join.DisplayName);
        Assert.Equal("traced-decision", join.GetTagItem("bandit.decision_id"));
        var links = join.Links.Select(l => (l.Context.TraceId, Kind: l.Tags!.First(t => t.Key == "streams.link").Value)).ToList();
        Assert.Contains((decisionTrace, (object?)"decision"), links);
        Assert.Contains((rewardTrace, (object?)"reward"), links);
        Assert.True(StreamsTracing.TryExtract(training.Headers, out var written), "the training record carries a trace context");
        Assert.Equal((decisionTrace, join.SpanId), (written.TraceId, written.SpanId));
    }

    [Fact]
    public void With_tracing_off_no_span_is_made_and_outputs_carry_no_trace_context_of_their_own()
    {
        using var harness = new ScoringHarness();
        var decision = new Decision
        {
            EventId = "untraced-decision", UserId = "u-untraced", Timestamp = T0, Context = new Dictionary<string, double>(),
            Actions = ["a"], ChosenAction = "a", Probability = 1, Probabilities = [1], ModelId = "m",
        };

        harness.Send(decision);
        harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(30));

        var training = Assert.Single(harness.Training.ReadRecordsToList());
        Assert.False(StreamsTracing.TryExtract(training.Headers, out _), "no trace context is invented for an untraced decision");
    }

    /// <summary>
    /// Samples only this test's traces: the listener is process-wide, and tests running in parallel would otherwise
    /// export their spans into this test's list while it reads it.
    /// </summary>
    private sealed class OnlyTheseTraces(params ActivityTraceId[] traces) : Sampler
    {
        public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
            new(traces.Contains(samplingParameters.TraceId) ? SamplingDecision.RecordAndSample : SamplingDecision.Drop);
    }
}
