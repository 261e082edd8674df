using Confluent.Kafka;
using Streams.Engine.Runtime;
using Streams.Engine.Tasks;

namespace Streams.Engine.Tests.EndToEnd;

[Collection(KafkaCollection.Name)]
public sealed class IdleCommitTests(KafkaClusterFixture kafka) : EngineEndToEndTest(kafka)
{
    private const int Keys = 10;
    private const int Rounds = 3;

    [Fact]
    public async Task Under_exactly_once_a_caught_up_thread_commits_its_outputs_without_waiting_for_the_commit_interval_and_stays_quiet_when_idle()
    {
        var input = Name("idle-clicks");
        var outputTopic = Name("idle-counts");
        await Kafka.CreateTopicAsync(input, 2);
        await Kafka.CreateTopicAsync(outputTopic, 2);
        var application = Name("idle-app");
        var config = Kafka.StreamsConfig(application, StateDir("a"), ProcessingGuarantee.ExactlyOnceV2);
        // Far longer than the test waits: whatever a reader sees committed here, an idle commit committed.
        config.CommitIntervalMs = 600_000;
        config.IdleCommitIntervalMs = 50;
        ProduceKeyRounds(input, Keys, Rounds);

        await using var streams = new KafkaStreams(CountPerKey(input, outputTopic), config, Kafka.TopicAdmin);
        await streams.StartAsync();

        // A read_committed consumer of a real broker sees the counts only once their transaction commits.
        var counts = Kafka.ReadUntil(outputTopic, Deserializers.Utf8, Deserializers.Int64, records => records.Count >= Keys * Rounds, TimeSpan.FromSeconds(60));
        Assert.Equal(Keys * Rounds, counts.Count);
        Assert.All(Latest(counts).Values, count => Assert.Equal(Rounds, count));

        // Once what was consumed is committed there is nothing to commit: no transaction per poll of an idle input.
        var idle = await SettledIdleCommitsAsync(streams);
        Assert.True(idle > 0, "no idle commit");
        Assert.Equal(0, Commits(streams, "interval"));

        // Committed means the input offsets too: where the cluster stores transactional offsets, a consumer of the
        // group would start after every record.
        if (Kafka.StoresTransactionalOffsets)
        {
            await WaitForAsync(() => CommittedOffsets(application, input) == Keys * Rounds, TimeSpan.FromSeconds(30), "the group's offsets to cover the input");
        }

        // New input is committed again without the interval.
        ProduceKeyRounds(input, Keys, 1);
        var more = Kafka.ReadUntil(outputTopic, Deserializers.Utf8, Deserializers.Int64, records => records.Count >= Keys * (Rounds + 1), TimeSpan.FromSeconds(60));
        Assert.Equal(Keys * (Rounds + 1), more.Count);
        await WaitForAsync(() => IdleCommits(streams) > idle, TimeSpan.FromSeconds(30), "a second idle commit");
        Assert.Equal(Keys * (Rounds + 1), streams.Metrics.CounterValue(TaskMetrics.RecordsConsumed, input));
        Assert.True(await streams.CloseAsync());
        Assert.Equal(1, Commits(streams, "shutdown"));
    }

    [Fact]
    public async Task A_thread_working_off_a_backlog_does_not_commit_idly_before_it_has_consumed_what_the_broker_holds()
    {
        var input = Name("backlog-clicks");
        var outputTopic = Name("backlog-counts");
        await Kafka.CreateTopicAsync(input, 2);
        await Kafka.CreateTopicAsync(outputTopic, 2);
        var config = Kafka.StreamsConfig(Name("backlog-app"), StateDir("a"), ProcessingGuarantee.ExactlyOnceV2);
        config.CommitIntervalMs = 600_000;
        config.IdleCommitIntervalMs = 20;
        // One small batch per fetch, and the next fetch 50 ms later: the consumer's local queue runs dry between fetches
        // long before the broker has nothing more, so an empty poll alone does not mean the thread has caught up.
        config.ClientConfig["max.partition.fetch.bytes"] = "1024";
        config.ClientConfig["queued.min.messages"] = "1";
        config.ClientConfig["fetch.queue.backoff.ms"] = "50";
        const int backlog = 1_000;
        using (var producer = Kafka.Producer(Serializers.Utf8, Serializers.Utf8))
        {
            for (var i = 0; i < backlog; i++)
            {
                producer.Produce(input, new Message<string, string> { Key = $"key-{i % Keys}", Value = "x" });
                if (i % 20 == 19)
                {
                    Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
                }
            }
        }

        await using var streams = new KafkaStreams(CountPerKey(input, outputTopic), config, Kafka.TopicAdmin);
        await streams.StartAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        long consumed;
        do
        {
            // The idle commits first: one counted here and followed by a count short of the backlog came before the end.
            var idle = IdleCommits(streams);
            consumed = streams.Metrics.CounterValue(TaskMetrics.RecordsConsumed, input);
            Assert.True(idle == 0 || consumed == backlog, $"an idle commit after {consumed:N0} of {backlog:N0} records");
            await Task.Delay(2);
        }
        while (consumed < backlog && DateTime.UtcNow < deadline);

        Assert.Equal(backlog, consumed);
        // Caught up, the thread commits without waiting out the ten-minute interval.
        await WaitForAsync(() => IdleCommits(streams) > 0, TimeSpan.FromSeconds(30), "an idle commit once the backlog was consumed");
        var counts = Kafka.ReadUntil(outputTopic, Deserializers.Utf8, Deserializers.Int64, records => records.Count >= backlog, TimeSpan.FromSeconds(60));
        Assert.All(Latest(counts).Values, count => Assert.Equal(backlog / Keys, count));
        Assert.Equal(0, Commits(streams, "interval"));
    }

    private static long IdleCommits(KafkaStreams streams) => Commits(streams, "idle");

    /// <summary>The idle commits once their count has stayed the same for two seconds.</summary>
    private static async Task<long> SettledIdleCommitsAsync(KafkaStreams streams)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var count = IdleCommits(streams);
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            var now = IdleCommits(streams);
            if (now == count)
            {
                return count;
            }

            count = now;
        }

        throw new TimeoutException($"Idle commits did not stop while the input was idle: {count} and counting.");
    }

    private static long Commits(KafkaStreams streams, string reason) =>
        (long)streams.Metrics.Snapshot().Where(sample => sample.Metric == RuntimeMetrics.Commits && sample.LabelValues[1] == reason).Sum(sample => sample.Value);

    private long CommittedOffsets(string group, string topic)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = Kafka.BootstrapServers, GroupId = group }).Build();
        return consumer.Committed([new TopicPartition(topic, 0), new TopicPartition(topic, 1)], TimeSpan.FromSeconds(10))
            .Sum(committed => Math.Max(0, committed.Offset.Value));
    }
}
