using Confluent.Kafka;
using Streams.Engine.Dsl;
using Streams.Engine.Graph;
using Streams.Engine.Processor;
using Streams.Engine.Runtime;
using Streams.Engine.Serialization;
using Streams.Engine.Tasks;
using Xunit.Abstractions;

namespace Streams.Engine.Tests.EndToEnd;

[Collection(KafkaCollection.Name)]
public sealed class MembershipAndPunctuationTests(KafkaClusterFixture kafka, ITestOutputHelper output) : EngineEndToEndTest(kafka)
{
    private static Topology PassThrough(string input, string outputTopic)
    {
        var builder = new StreamsBuilder();
        builder.Stream(input, Serdes.String, Serdes.String).To(outputTopic);
        return builder.Build();
    }

    [Fact]
    public async Task With_static_membership_a_restarted_instance_gets_its_own_tasks_back_and_the_other_instance_gives_up_none()
    {
        var input = Name("in");
        var outputTopic = Name("out");
        await Kafka.CreateTopicAsync(input, 4);
        await Kafka.CreateTopicAsync(outputTopic, 4);
        var application = Name("static-app");
        KafkaStreams Instance(string id)
        {
            var config = Kafka.StreamsConfig(application, StateDir(id));
            config.GroupInstanceId = id;
            return new KafkaStreams(PassThrough(input, outputTopic), config, Kafka.TopicAdmin, new TestOutputLoggerFactory(output, id));
        }

        await using var stable = Instance("pod-0");
        await stable.StartAsync();
        await WaitForRunningAsync(stable);
        var restarting = Instance("pod-1");
        await restarting.StartAsync();
        await WaitForAsync(
            () => stable.Tasks.Count == 2 && restarting.Tasks.Count == 2 && restarting.State == StreamsState.Running && stable.State == StreamsState.Running,
            TimeSpan.FromSeconds(60),
            "two tasks each");
        var tasksBefore = restarting.Tasks.Select(task => task.Id).Order().ToList();
        var stableRevoked = stable.Metrics.CounterTotal(RuntimeMetrics.PartitionsRevoked);

        await restarting.DisposeAsync();
        await using var restarted = Instance("pod-1");
        await restarted.StartAsync();
        await WaitForAsync(() => restarted.State == StreamsState.Running && restarted.Tasks.Count == 2, TimeSpan.FromSeconds(60), "the restarted instance to run its tasks");

        Assert.Equal(tasksBefore, restarted.Tasks.Select(task => task.Id).Order().ToList());
        Assert.Equal(stableRevoked, stable.Metrics.CounterTotal(RuntimeMetrics.PartitionsRevoked));
        Assert.Equal(2, stable.Tasks.Count);
    }

    /// <summary>Forwards a tick on every wall-clock punctuation.</summary>
    private sealed class Heartbeat : IProcessor<string, string, string, string>
    {
        public void Init(IProcessorContext<string, string> context) =>
            context.Schedule(TimeSpan.FromMilliseconds(200), PunctuationType.WallClockTime, time =>
                context.Forward(new Record<string, string>($"task-{context.TaskId}", "tick", time)));

        public void Process(Record<string, string> record)
        {
        }
    }

    [Fact]
    public async Task Wall_clock_punctuators_run_on_the_stream_thread_while_no_records_arrive()
    {
        var input = Name("quiet");
        var outputTopic = Name("ticks");
        await Kafka.CreateTopicAsync(input, 1);
        await Kafka.CreateTopicAsync(outputTopic, 1);
        var topology = new Topology()
            .AddSource("source", input, Serdes.String, Serdes.String)
            .AddProcessor("heartbeat", () => new Heartbeat(), "source")
            .AddSink("sink", outputTopic, Serdes.String, Serdes.String, "heartbeat");
        await using var streams = new KafkaStreams(topology, Kafka.StreamsConfig(Name("tick-app"), StateDir("a")), Kafka.TopicAdmin);
        await streams.StartAsync();

        var ticks = Kafka.ReadUntil(outputTopic, Deserializers.Utf8, Deserializers.Utf8, records => records.Count >= 3, TimeSpan.FromSeconds(60));

        Assert.True(ticks.Count >= 3, $"{ticks.Count} ticks");
        Assert.All(ticks, tick => Assert.Equal(("task-0_0", "tick"), (tick.Message.Key, tick.Message.Value)));
        Assert.Equal(0, streams.Metrics.CounterValue(TaskMetrics.RecordsConsumed, input));
    }
}
