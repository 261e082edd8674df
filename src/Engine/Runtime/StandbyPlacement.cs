using Streams.Engine.Processor;
using Streams.Engine.Queries;

namespace Streams.Engine.Runtime;

/// <summary>
/// Which tasks an instance keeps standby replicas of. librdkafka has no pluggable assignor to hand standbys out with
/// the group's assignment, so every instance works it out alike from the instance directory: the live instances in
/// process-id order form a ring, and a task's standbys are the <c>num.standby.replicas</c> instances after its active
/// owner. A task no live instance runs (its owner just died) keeps the standbys it has: one of them is about to
/// become its owner and needs only the tail.
/// </summary>
internal static class StandbyPlacement
{
    /// <param name="self">This instance's process id.</param>
    /// <param name="live">The live instances from the directory (this one may be among them).</param>
    /// <param name="replicas">num.standby.replicas.</param>
    /// <param name="localActive">The tasks this instance runs now, with since when: never standbys here.</param>
    /// <param name="current">The standbys this instance keeps now.</param>
    public static HashSet<TaskId> Choose(
        string self,
        IReadOnlyList<KnownInstance> live,
        int replicas,
        IReadOnlyDictionary<TaskId, long> localActive,
        IReadOnlySet<TaskId> current)
    {
        var desired = new HashSet<TaskId>();
        if (replicas <= 0)
        {
            return desired;
        }

        var members = live.Select(instance => instance.Metadata.ProcessId).Append(self).Distinct().Order(StringComparer.Ordinal).ToList();
        var owners = new Dictionary<TaskId, (string Owner, long Since)>();
        foreach (var instance in live.Where(instance => instance.Metadata.ProcessId != self))
        {
            foreach (var (task, since) in instance.ActiveSince)
            {
                Claim(owners, task, instance.Metadata.ProcessId, since);
            }
        }

        foreach (var (task, since) in localActive)
        {
            Claim(owners, task, self, since);
        }

        var position = members.IndexOf(self);
        foreach (var (task, (owner, _)) in owners)
        {
            if (owner == self || localActive.ContainsKey(task))
            {
                continue;
            }

            var ownerPosition = members.IndexOf(owner);
            var distance = (position - ownerPosition + members.Count) % members.Count;
            if (distance >= 1 && distance <= replicas)
            {
                desired.Add(task);
            }
        }

        foreach (var task in current)
        {
            if (!owners.ContainsKey(task) && !localActive.ContainsKey(task))
            {
                desired.Add(task);
            }
        }

        return desired;
    }

    private static void Claim(Dictionary<TaskId, (string Owner, long Since)> owners, TaskId task, string instance, long since)
    {
        if (!owners.TryGetValue(task, out var existing) || since > existing.Since)
        {
            owners[task] = (instance, since);
        }
    }
}
