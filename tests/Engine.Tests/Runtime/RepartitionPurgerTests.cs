using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Streams.Engine.Runtime;

namespace Streams.Engine.Tests.Runtime;

/// <summary>
/// What a stream thread asks the cluster to delete after its commits: only repartition partitions, only up to what was
/// committed, only forward, one request at a time, and nothing more once the cluster says it cannot delete records.
/// </summary>
public sealed class RepartitionPurgerTests
{
    private const string Repartition = "app-by-item-repartition";
    private readonly List<IReadOnlyList<TopicPartitionOffset>> _requests = [];
    private TaskCompletionSource _pending = new();

    private RepartitionPurger Purger(TimeSpan interval) => new(
        new HashSet<string> { Repartition },
        offsets =>
        {
            _requests.Add(offsets);
            _pending = new TaskCompletionSource();
            return _pending.Task;
        },
        interval, NullLogger.Instance, "thread-0");

    private static TopicPartitionOffset Offset(string topic, int partition, long offset) => new(topic, partition, offset);

    private static string Describe(IReadOnlyList<TopicPartitionOffset> offsets) => string.Join(", ", offsets.Select(o => $"{o.Topic}-{o.Partition.Value}@{o.Offset.Value}"));

    [Fact]
    public void Only_repartition_partitions_are_purged_up_to_their_committed_offsets_and_only_forward()
    {
        var purger = Purger(TimeSpan.Zero);
        purger.Committed([Offset("views", 0, 500), Offset(Repartition, 0, 120), Offset(Repartition, 1, 80)]);
        Assert.Equal($"{Repartition}-0@120, {Repartition}-1@80", Describe(Assert.Single(_requests)));

        _pending.SetResult();
        purger.Committed([Offset("views", 0, 900), Offset(Repartition, 0, 120), Offset(Repartition, 1, 95)]);
        Assert.Equal(2, _requests.Count);
        Assert.Equal($"{Repartition}-1@95", Describe(_requests[1]));

        // Nothing new committed on the repartition topic: no request.
        _pending.SetResult();
        purger.Committed([Offset("views", 0, 950), Offset(Repartition, 0, 120), Offset(Repartition, 1, 95)]);
        Assert.Equal(2, _requests.Count);
    }

    [Fact]
    public void A_purge_still_running_holds_back_the_next_and_a_failed_one_is_asked_again()
    {
        var purger = Purger(TimeSpan.Zero);
        purger.Committed([Offset(Repartition, 0, 10)]);
        purger.Committed([Offset(Repartition, 0, 20)]);
        Assert.Single(_requests);

        _pending.SetException(new KafkaException(ErrorCode.RequestTimedOut));
        purger.Committed([Offset(Repartition, 0, 30)]);
        Assert.Equal(2, _requests.Count);
        Assert.Equal($"{Repartition}-0@30", Describe(_requests[1]));
        Assert.False(purger.Unsupported);
    }

    [Fact]
    public void The_interval_spaces_purges_out()
    {
        var purger = Purger(TimeSpan.FromHours(1));
        purger.Committed([Offset(Repartition, 0, 10)]);
        Assert.Empty(_requests);
    }

    [Theory]
    [InlineData(ErrorCode.Local_UnsupportedFeature)]
    [InlineData(ErrorCode.TopicAuthorizationFailed)]
    public void A_cluster_without_DeleteRecords_or_a_principal_without_the_Delete_ACL_is_not_asked_again(ErrorCode refusal)
    {
        var purger = Purger(TimeSpan.Zero);
        purger.Committed([Offset(Repartition, 0, 10)]);
        _pending.SetException(new KafkaException(refusal));
        purger.Committed([Offset(Repartition, 0, 20)]);
        purger.Committed([Offset(Repartition, 0, 30)]);
        Assert.Single(_requests);
        Assert.True(purger.Unsupported);
    }
}
