using Streams.Engine.Processor;
using Streams.Engine.Queries;
using Streams.Engine.Runtime;

namespace Streams.Engine.Tests.Runtime;

/// <summary>
/// Standby placement as every instance computes it from the instance directory: each task's standbys on the
/// instances after its owner in the ring, every instance agreeing, none on the owner, and a task whose owner died
/// keeping its standbys for the takeover.
/// </summary>
public sealed class StandbyPlacementTests
{
    private static KnownInstance Instance(string id, params int[] partitions) => new(
        new InstanceMetadata(id, null, partitions.Select(p => new TaskId(0, p)).ToList(), [], DateTimeOffset.UtcNow, IsLocal: false),
        partitions.ToDictionary(p => new TaskId(0, p), _ => 1000L),
        new Dictionary<TaskId, long?>());

    private static Dictionary<TaskId, long> Active(params int[] partitions) => partitions.ToDictionary(p => new TaskId(0, p), _ => 1000L);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Every_task_gets_its_replicas_on_other_instances_and_the_instances_agree(int replicas)
    {
        var instances = new[] { Instance("a", 0, 1), Instance("b", 2, 3), Instance("c", 4, 5) };
        var standbys = instances.ToDictionary(
            i => i.Metadata.ProcessId,
            i => StandbyPlacement.Choose(i.Metadata.ProcessId, instances, replicas, Active([.. i.ActiveSince.Keys.Select(t => t.Partition)]), new HashSet<TaskId>()));

        for (var partition = 0; partition < 6; partition++)
        {
            var task = new TaskId(0, partition);
            var holders = standbys.Where(kv => kv.Value.Contains(task)).Select(kv => kv.Key).ToList();
            Assert.Equal(replicas, holders.Count);
            Assert.DoesNotContain(instances.Single(i => i.ActiveSince.ContainsKey(task)).Metadata.ProcessId, holders);
        }
    }

    [Fact]
    public void A_single_instance_keeps_no_standbys_and_an_owner_never_keeps_one_of_its_own_task()
    {
        Assert.Empty(StandbyPlacement.Choose("a", [Instance("a", 0, 1)], 1, Active(0, 1), new HashSet<TaskId>()));
        Assert.DoesNotContain(new TaskId(0, 2), StandbyPlacement.Choose("b", [Instance("a", 2), Instance("b")], 1, Active(2), new HashSet<TaskId>()));
    }

    [Fact]
    public void A_task_whose_owner_is_gone_keeps_the_standbys_it_has_until_someone_runs_it()
    {
        var kept = StandbyPlacement.Choose("b", [Instance("b", 1)], 1, Active(1), new HashSet<TaskId> { new(0, 0) });
        Assert.Contains(new TaskId(0, 0), kept);
    }

    [Fact]
    public void The_latest_claim_decides_the_owner_when_an_old_owner_has_not_noticed_it_lost_a_task()
    {
        var stale = Instance("a", 0);
        var current = new KnownInstance(stale.Metadata with { ProcessId = "c" }, new Dictionary<TaskId, long> { [new TaskId(0, 0)] = 2000 }, new Dictionary<TaskId, long?>());
        // Ring a, b, c: the owner is c (latest claim), so the one standby is on a, not on b (which would follow a).
        Assert.Empty(StandbyPlacement.Choose("b", [stale, Instance("b"), current], 1, Active(), new HashSet<TaskId>()));
        Assert.Contains(new TaskId(0, 0), StandbyPlacement.Choose("a", [stale, Instance("b"), current], 1, Active(), new HashSet<TaskId>()));
    }
}
