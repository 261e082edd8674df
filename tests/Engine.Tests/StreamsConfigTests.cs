namespace Streams.Engine.Tests;

public sealed class StreamsConfigTests
{
    [Theory]
    [InlineData(ProcessingGuarantee.AtLeastOnce, null, 20, "applies only under exactly_once_v2")]
    [InlineData(ProcessingGuarantee.ExactlyOnceV2, null, 0, "must be positive and shorter than commit.interval.ms (100)")]
    [InlineData(ProcessingGuarantee.ExactlyOnceV2, null, 100, "must be positive and shorter than commit.interval.ms (100)")]
    [InlineData(ProcessingGuarantee.ExactlyOnceV2, 50, 50, "must be positive and shorter than commit.interval.ms (50)")]
    public void An_idle_commit_interval_that_cannot_take_effect_stops_start_up_naming_the_key(
        ProcessingGuarantee guarantee, int? commitIntervalMs, int idleCommitIntervalMs, string reason)
    {
        var config = new StreamsConfig { ApplicationId = "app", ProcessingGuarantee = guarantee, CommitIntervalMs = commitIntervalMs, IdleCommitIntervalMs = idleCommitIntervalMs };

        var error = Assert.Throws<ArgumentException>(config.Validate);

        Assert.Equal(nameof(StreamsConfig.IdleCommitIntervalMs), error.ParamName);
        Assert.Contains("idle.commit.interval.ms", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, 20)]
    [InlineData(1_000, 999)]
    public void An_idle_commit_interval_shorter_than_the_commit_interval_is_accepted_under_exactly_once(int? commitIntervalMs, int idleCommitIntervalMs)
    {
        var config = new StreamsConfig
        {
            ApplicationId = "app", ProcessingGuarantee = ProcessingGuarantee.ExactlyOnceV2, CommitIntervalMs = commitIntervalMs, IdleCommitIntervalMs = idleCommitIntervalMs,
        };

        config.Validate();
    }
}
