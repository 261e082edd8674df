namespace Streams.Engine.Runtime;

/// <summary>The life cycle of a <see cref="KafkaStreams"/> instance.</summary>
public enum StreamsState
{
    /// <summary>Constructed, not started.</summary>
    Created,

    /// <summary>Joining the group, or restoring the stores of newly assigned tasks; not all tasks are processing.</summary>
    Rebalancing,

    /// <summary>Every assigned task is restored and processing.</summary>
    Running,

    /// <summary>Closing: committing and closing tasks.</summary>
    PendingShutdown,

    /// <summary>Closed.</summary>
    NotRunning,

    /// <summary>A stream thread failed; see <see cref="KafkaStreams.Error"/>. The instance has stopped processing.</summary>
    Error,
}
