using Streams.Engine.Dsl;
using Streams.Engine.Serialization;
using Streams.Engine.Tasks;
using Streams.Engine.Testing;
using static Streams.Engine.Tests.TestTime;

namespace Streams.Engine.Tests;

public sealed class ErrorPolicyTests
{
    private static TopologyTestDriver Driver(ErrorPolicy policy)
    {
        var builder = new StreamsBuilder();
        builder.Stream("amounts", Serdes.String, Serdes.Int64)
            .MapValues(amount => amount == 13 ? throw new InvalidOperationException("unlucky amount") : amount * 2)
            .To("doubled", Serdes.String, Serdes.Int64);
        var config = new StreamsConfig
        {
            ApplicationId = "errors",
            DeserializationErrorPolicy = policy,
            ProcessingErrorPolicy = policy,
            DeadLetterTopic = "dead-letters",
        };
        return new TopologyTestDriver(builder.Build(), config);
    }

    [Fact]
    public void An_undeserializable_record_goes_to_the_dead_letter_topic_with_its_bytes_and_the_error_while_its_neighbours_are_processed()
    {
        using var driver = Driver(ErrorPolicy.DeadLetter);
        var input = driver.CreateInputTopic("amounts", Serdes.String, Serdes.Int64);

        input.PipeInput("a", 1, At(1));
        input.PipeRaw("poison"u8.ToArray(), [0x01, 0x02, 0x03], At(2));
        input.PipeInput("c", 3, At(3));

        Assert.Equal([2L, 6L], driver.CreateOutputTopic("doubled", Serdes.String, Serdes.Int64).ReadRecordsToList().Select(r => r.Value));
        var dead = Assert.Single(driver.CreateOutputTopic("dead-letters", Serdes.String, Serdes.ByteArray).ReadRecordsToList());
        Assert.Equal(("poison", At(2)), (dead.Key, dead.Timestamp));
        Assert.Equal(new byte[] { 1, 2, 3 }, dead.Value);
        var headers = dead.HeaderStrings;
        Assert.Equal("deserialization", headers[DeadLetterHeaders.Stage]);
        Assert.Contains("Int64 needs 8 bytes", headers[DeadLetterHeaders.ErrorMessage]);
        Assert.Equal(("amounts", "0", "1"), (headers[DeadLetterHeaders.SourceTopic], headers[DeadLetterHeaders.SourcePartition], headers[DeadLetterHeaders.SourceOffset]));
        Assert.Equal(1, driver.Metrics.CounterValue(TaskMetrics.DeadLetters, "amounts"));
    }

    [Fact]
    public void A_record_whose_processing_throws_goes_to_the_dead_letter_topic_naming_the_processor()
    {
        using var driver = Driver(ErrorPolicy.DeadLetter);
        var input = driver.CreateInputTopic("amounts", Serdes.String, Serdes.Int64);

        input.PipeInput("a", 13, At(1));
        input.PipeInput("b", 2, At(2));

        Assert.Equal(4, driver.CreateOutputTopic("doubled", Serdes.String, Serdes.Int64).ReadValue());
        var headers = Assert.Single(driver.CreateOutputTopic("dead-letters", Serdes.String, Serdes.Int64).ReadRecordsToList()).HeaderStrings;
        Assert.Equal("processing", headers[DeadLetterHeaders.Stage]);
        Assert.Equal("unlucky amount", headers[DeadLetterHeaders.ErrorMessage]);
        Assert.Equal(typeof(InvalidOperationException).FullName, headers[DeadLetterHeaders.ErrorType]);
        Assert.StartsWith("map-values", headers[DeadLetterHeaders.Processor], StringComparison.Ordinal);
    }

    [Fact]
    public void The_skip_policy_counts_the_record_and_goes_on()
    {
        using var driver = Driver(ErrorPolicy.Skip);
        var input = driver.CreateInputTopic("amounts", Serdes.String, Serdes.Int64);

        input.PipeRaw("x"u8.ToArray(), [9], At(1));
        input.PipeInput("b", 2, At(2));

        Assert.Equal(1, driver.CreateOutputTopic("doubled", Serdes.String, Serdes.Int64).QueueSize);
        Assert.DoesNotContain("dead-letters", driver.ProducedTopicNames);
        Assert.Equal(1, driver.Metrics.CounterValue(TaskMetrics.RecordsSkipped, "amounts"));
    }

    [Fact]
    public void The_fail_policy_stops_with_an_error_naming_the_record()
    {
        using var driver = Driver(ErrorPolicy.Fail);
        var input = driver.CreateInputTopic("amounts", Serdes.String, Serdes.Int64);

        var error = Assert.Throws<StreamsException>(() => input.PipeInput("a", 13, At(1)));

        Assert.Contains("amounts[0]@0", error.Message);
        Assert.Contains("unlucky amount", error.Message);
    }

    [Theory]
    [InlineData("", "application.id")]
    [InlineData("bad id", "application.id")]
    public void An_invalid_configuration_is_rejected_naming_the_key(string applicationId, string key)
    {
        var error = Assert.Throws<ArgumentException>(() => new StreamsConfig { ApplicationId = applicationId }.Validate());
        Assert.Contains(key, error.Message);
    }
}
