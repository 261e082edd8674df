using Personalization.Topology.Records;

namespace Personalization.Simulation;

/// <summary>One generated record: a clickstream event, a bandit decision or an explicit reward, in event-time order.</summary>
public readonly record struct GeneratedRecord(ClickEvent? Event, Decision? Decision, Reward? Reward, bool UserIsFraudster)
{
    public string UserId => Event?.UserId ?? Decision?.UserId ?? Reward!.UserId;

    public DateTimeOffset Timestamp => Event?.Timestamp ?? Decision?.Timestamp ?? Reward!.Timestamp;
}
