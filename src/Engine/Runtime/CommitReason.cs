namespace Streams.Engine.Runtime;

/// <summary>What started a stream thread's commit; the reason label of <see cref="RuntimeMetrics.Commits"/>.</summary>
internal enum CommitReason
{
    /// <summary>commit.interval.ms passed since the last commit.</summary>
    Interval,

    /// <summary>The thread had caught up with its input and idle.commit.interval.ms had passed.</summary>
    Idle,

    /// <summary>A processor asked for a commit.</summary>
    Requested,

    /// <summary>Partitions were revoked in a rebalance.</summary>
    Rebalance,

    /// <summary>The thread is shutting down.</summary>
    Shutdown,
}
