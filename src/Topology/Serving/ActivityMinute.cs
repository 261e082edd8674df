namespace Personalization.Topology.Serving;

/// <summary>
/// One minute of a user's recent activity, as the feature tiles hold it: the events by type (the Avro symbol), and the
/// items and categories touched (at most 64 of each per minute, like the features).
/// </summary>
public sealed record ActivityMinute(DateTimeOffset Minute, IReadOnlyDictionary<string, int> Events, IReadOnlyList<string> Items, IReadOnlyList<string> Categories);
