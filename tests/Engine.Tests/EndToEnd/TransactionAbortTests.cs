using Confluent.Kafka;
using Streams.Engine.Runtime;
using Xunit.Abstractions;

namespace Streams.Engine.Tests.EndToEnd;

/// <summary>Runs only on the embedded cluster, the one broker that takes injected request errors.</summary>
public sealed class InjectedFaultsFactAttribute : FactAttribute
{
    public InjectedFaultsFactAttribute()
    {
        if (KafkaClusterFixture.ChooseKind() != BrokerKind.Embedded)
        {
            Skip = "Injecting a broker error needs the embedded cluster (librdkafka's mock); a real broker refuses a transaction's offsets only in a real rebalance.";
        }
    }
}

[Collection(KafkaCollection.Name)]
public sealed class TransactionAbortTests(KafkaClusterFixture kafka, ITestOutputHelper output) : EngineEndToEndTest(kafka)
{
    private const short TxnOffsetCommit = 28;
    private const int Keys = 20;

    /// <summary>
    /// The group coordinator refuses a transaction's offsets (ILLEGAL_GENERATION, as in a rebalance), so the transaction
    /// cannot commit. The thread aborts it and starts its tasks again from the last commit: it keeps running, and the
    /// records of the aborted transaction and after it reach read-committed consumers.
    /// </summary>
    [InjectedFaultsFact]
    public async Task A_transaction_whose_offsets_are_refused_is_aborted_and_its_records_are_processed_again_without_stopping()
    {
        var input = Name("events");
        var outputTopic = Name("counts");
        await Kafka.CreateTopicAsync(input, 2);
        await Kafka.CreateTopicAsync(outputTopic, 2);
        var application = Name("abort-app");
        await using var streams = new KafkaStreams(
            CountPerKey(input, outputTopic), Kafka.StreamsConfig(application, StateDir("a"), ProcessingGuarantee.ExactlyOnceV2), Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "a"));
        await streams.StartAsync();
        ProduceKeyRounds(input, Keys, rounds: 50);
        await WaitForAsync(() => KeyNames(Keys).All(key => Count(streams, key) == 50), TimeSpan.FromSeconds(60), "the first records to be counted");

        Kafka.InjectRequestErrors(TxnOffsetCommit, ErrorCode.IllegalGeneration);
        ProduceKeyRounds(input, Keys, rounds: 50);

        var aborted = () => streams.Metrics.CounterValue(RuntimeMetrics.TransactionsAborted, $"{application}-StreamThread-0");
        await WaitForAsync(() => aborted() == 1, TimeSpan.FromSeconds(30), "the refused transaction to be aborted");

        // The thread reports Rebalancing while it restores its tasks; that it keeps running means it gets back to
        // Running and its restored stores count the refused transaction's records again.
        await WaitForAsync(
            () => streams.State == StreamsState.Running && KeyNames(Keys).All(key => Count(streams, key) >= 100), TimeSpan.FromSeconds(60), "the restarted tasks to count every record");

        // The embedded cluster keeps no transactional offsets, so the thread starts again from the log's start and counts
        // some records twice there; on a broker that keeps them the counts are exact. Either way none is missing.
        var latest = new Dictionary<string, long>();
        Kafka.ReadUntil(outputTopic, Deserializers.Utf8, Deserializers.Int64, records =>
        {
            foreach (var record in records.Skip(Math.Max(0, records.Count - 1)))
            {
                latest[record.Message.Key] = record.Message.Value;
            }

            return KeyNames(Keys).All(key => latest.GetValueOrDefault(key) >= 100);
        }, TimeSpan.FromSeconds(60));

        Assert.All(KeyNames(Keys), key => Assert.True(latest.GetValueOrDefault(key) >= 100, $"{key}: {latest.GetValueOrDefault(key)} of 100 records counted"));
        Assert.Equal(1, aborted());
    }
}
