// A topology in a process of its own, for end-to-end tests that must kill a running instance (a crash, not a close).
// Arguments: bootstrap-servers input-topic output-topic application-id state-dir guarantee
// Counts records per key and writes each new count to the output topic; prints RUNNING once it processes.
using Streams.Engine;
using Streams.Engine.Dsl;
using Streams.Engine.Runtime;
using Streams.Engine.Serialization;

if (args.Length != 6)
{
    Console.Error.WriteLine("usage: StreamsProcess <bootstrap-servers> <input> <output> <application-id> <state-dir> <AtLeastOnce|ExactlyOnceV2>");
    return 2;
}

var builder = new StreamsBuilder();
builder.Stream(args[1], Serdes.String, Serdes.String)
    .GroupByKey()
    .Count(Materialized.As("counts"))
    .ToStream()
    .To(args[2], Serdes.String, Serdes.Int64);
var config = new StreamsConfig
{
    BootstrapServers = args[0],
    ApplicationId = args[3],
    StateDir = args[4],
    ProcessingGuarantee = Enum.Parse<ProcessingGuarantee>(args[5]),
    CommitIntervalMs = 200,
    ClientConfig = new Dictionary<string, string> { ["session.timeout.ms"] = "6000", ["heartbeat.interval.ms"] = "500" },
};
await using var streams = new KafkaStreams(builder.Build(), config);
var running = new TaskCompletionSource();
streams.StateChanged += (_, next) =>
{
    if (next == StreamsState.Running)
    {
        running.TrySetResult();
    }
};
await streams.StartAsync();
await running.Task;
Console.WriteLine("RUNNING");
await Task.Delay(Timeout.Infinite);
return 0;
