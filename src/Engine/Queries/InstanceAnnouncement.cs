namespace Streams.Engine.Queries;

/// <summary>
/// What an instance writes to the instance directory topic about itself, about once a second and on every change of
/// its tasks; a tombstone (null value) when it shuts down. JSON, so that an operator can read the topic with any
/// consumer.
/// </summary>
internal sealed record InstanceAnnouncement(string ProcessId, string? Endpoint, long SentAtMs, IReadOnlyList<AnnouncedTask> Active, IReadOnlyList<AnnouncedTask> Standby);

/// <summary>A task in an announcement: <c>subtopology_partition</c>, since when the instance holds it, whether it runs, and a standby's lag.</summary>
internal sealed record AnnouncedTask(string Task, long Since, bool Running, long? Lag);
