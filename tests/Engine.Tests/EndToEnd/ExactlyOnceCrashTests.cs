using System.Diagnostics;
using Confluent.Kafka;
using Streams.Engine.Runtime;
using Streams.Engine.Serialization;
using Xunit.Abstractions;

namespace Streams.Engine.Tests.EndToEnd;

/// <summary>Runs only where the broker stores transactional offset commits: not on the embedded (mock) cluster.</summary>
public sealed class TransactionalOffsetsFactAttribute : FactAttribute
{
    public TransactionalOffsetsFactAttribute()
    {
        if (KafkaClusterFixture.ChooseKind() == BrokerKind.Embedded && Environment.GetEnvironmentVariable("STREAMS_FORCE_EOS_CRASH_TEST") != "1")
        {
            Skip = "The embedded cluster (librdkafka's mock) does not store transactional offset commits, so exactly-once "
                + "input offsets cannot survive a crash there; this test runs against KAFKA_BOOTSTRAP_SERVERS or Kafka in Docker.";
        }
    }
}

[Collection(KafkaCollection.Name)]
public sealed class ExactlyOnceCrashTests(KafkaClusterFixture kafka, ITestOutputHelper output) : EngineEndToEndTest(kafka)
{
    private const int Keys = 20;

    [TransactionalOffsetsFact]
    public async Task After_a_crash_mid_transaction_a_read_committed_consumer_sees_each_result_exactly_once()
    {
        var input = Name("events");
        var outputTopic = Name("counts");
        var application = Name("eos-crash-app");
        await Kafka.CreateTopicAsync(input, 2);
        await Kafka.CreateTopicAsync(outputTopic, 2);

        // The child process creates internal topics through the Admin API; made here, it finds them on any broker.
        await Kafka.CreateTopicAsync($"{application}-counts-changelog", 2);
        await Kafka.CreateTopicAsync($"{application}-dlq", 2);
        var perKey = new Dictionary<string, long>();
        using var producer = Kafka.Producer(Serializers.Utf8, Serializers.Utf8);
        void Produce(int records)
        {
            for (var i = 0; i < records; i++)
            {
                var key = $"key-{perKey.Values.Sum() % Keys}";
                perKey[key] = perKey.GetValueOrDefault(key) + 1;
                producer.Produce(input, new Message<string, string> { Key = key, Value = "x" });
            }

            producer.Flush(TimeSpan.FromSeconds(30));
        }

        // A first instance in its own process, killed while it has an open transaction.
        using (var child = StartChild(input, outputTopic, application, StateDir("crashed")))
        {
            var started = await WaitForLineAsync(child, "RUNNING", TimeSpan.FromSeconds(90));
            Assert.True(started, "the child process reached RUNNING");
            for (var batch = 0; batch < 20; batch++)
            {
                Produce(100);
                await Task.Delay(25);
            }

            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync();
        }

        Produce(500);

        // The successor, on the crashed instance's disk: no checkpoint, so it rebuilds state, and resumes after the last committed transaction.
        var config = Kafka.StreamsConfig(application, StateDir("crashed"), ProcessingGuarantee.ExactlyOnceV2);
        await using var successor = new KafkaStreams(CountPerKey(input, outputTopic), config, Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "successor"));
        await successor.StartAsync();

        var expectedUpdates = perKey.Values.Sum();
        var updates = Kafka.ReadUntil(outputTopic, Deserializers.Utf8, Serdes.Int64, records => records.Count >= expectedUpdates, TimeSpan.FromMinutes(2));
        await Task.Delay(TimeSpan.FromSeconds(2));
        updates = Kafka.ReadUntil(outputTopic, Deserializers.Utf8, Serdes.Int64, records => records.Count > expectedUpdates, TimeSpan.FromSeconds(5));

        // Each key's committed counts are exactly 1, 2, …, n: no result twice, none missing, no partial transaction.
        foreach (var (key, count) in perKey)
        {
            var sequence = updates.Where(r => r.Message.Key == key).Select(r => r.Message.Value).ToList();
            Assert.Equal(Enumerable.Range(1, (int)count).Select(n => (long)n), sequence);
        }
    }

    private Process StartChild(string input, string outputTopic, string application, string stateDir)
    {
        // The child project is built next to this one: …/tests/StreamsProcess/bin/<configuration>/<framework>/.
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        var testsRoot = testOutput.Parent.Parent!.Parent!.Parent!.FullName;
        var program = Path.Combine(testsRoot, "StreamsProcess", "bin", configuration, framework, "StreamsProcess.dll");
        Assert.True(File.Exists(program), $"the child program exists at {program}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { program, Kafka.BootstrapServers, input, outputTopic, application, stateDir, nameof(ProcessingGuarantee.ExactlyOnceV2) })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                output.WriteLine("[child] " + e.Data);
            }
        };
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<bool> WaitForLineAsync(Process process, string line, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            while (await process.StandardOutput.ReadLineAsync(cancel.Token) is { } read)
            {
                if (read == line)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return false;
    }
}
