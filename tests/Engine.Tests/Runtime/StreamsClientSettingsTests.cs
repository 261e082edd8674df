using Streams.Engine.Runtime;

namespace Streams.Engine.Tests.Runtime;

/// <summary>The settings the runtime gives a stream thread's clients where they decide how long records wait, and the user's own winning.</summary>
public sealed class StreamsClientSettingsTests
{
    [Theory]
    [InlineData(ProcessingGuarantee.AtLeastOnce, null, 100)]
    [InlineData(ProcessingGuarantee.ExactlyOnceV2, null, 100)]
    [InlineData(ProcessingGuarantee.ExactlyOnceV2, 40, 40)]
    public void The_producer_lingers_as_Kafka_Streams_does_and_never_past_an_exactly_once_commit(
        ProcessingGuarantee guarantee, int? commitIntervalMs, int expectedLingerMs)
    {
        var config = new StreamsConfig { ApplicationId = "app", BootstrapServers = "127.0.0.1:9092", ProcessingGuarantee = guarantee };
        if (commitIntervalMs is { } interval)
        {
            config.CommitIntervalMs = interval;
        }

        Assert.Equal(expectedLingerMs, StreamsClientSettings.Producer(config, "app-StreamThread-0", "process", 0).LingerMs);
    }

    [Fact]
    public void The_users_linger_setting_wins()
    {
        var config = new StreamsConfig
        {
            ApplicationId = "app", BootstrapServers = "127.0.0.1:9092", ClientConfig = new Dictionary<string, string> { ["linger.ms"] = "5" },
        };

        Assert.Equal(5, StreamsClientSettings.Producer(config, "app-StreamThread-0", "process", 0).LingerMs);
    }

    [Fact]
    public void The_consumer_waits_20_ms_for_a_fetch_unless_the_user_set_a_wait()
    {
        var config = new StreamsConfig { ApplicationId = "app", BootstrapServers = "127.0.0.1:9092" };
        Assert.Equal(20, StreamsClientSettings.MainConsumer(config, "app-StreamThread-0", 0).FetchWaitMaxMs);

        config.ClientConfig = new Dictionary<string, string> { ["fetch.wait.max.ms"] = "250" };
        Assert.Equal(250, StreamsClientSettings.MainConsumer(config, "app-StreamThread-0", 0).FetchWaitMaxMs);
    }
}
