namespace Streams.Engine.Processor;

/// <summary>A task: one sub-topology over one partition of its (co-partitioned) input topics.</summary>
/// <param name="Subtopology">The sub-topology number, as in <c>Topology.Describe()</c>.</param>
/// <param name="Partition">The input partition.</param>
public readonly record struct TaskId(int Subtopology, int Partition) : IComparable<TaskId>
{
    /// <summary>Orders by sub-topology, then partition.</summary>
    public int CompareTo(TaskId other) =>
        Subtopology != other.Subtopology ? Subtopology.CompareTo(other.Subtopology) : Partition.CompareTo(other.Partition);

    /// <summary>The conventional form, <c>subtopology_partition</c>, also used as the task's state directory name.</summary>
    public override string ToString() => $"{Subtopology}_{Partition}";
}
