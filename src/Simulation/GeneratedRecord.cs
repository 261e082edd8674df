using Confluent.Kafka;
using Personalization.Topology;
using Personalization.Topology.Records;

namespace Personalization.Simulation;

/// <summary>One generated record: a clickstream event, a bandit decision or an explicit reward, in event-time order.</summary>
public readonly record struct GeneratedRecord(ClickEvent? Event, Decision? Decision, Reward? Reward, bool UserIsFraudster)
{
    public string UserId => Event?.UserId ?? Decision?.UserId ?? Reward!.UserId;

    public DateTimeOffset Timestamp => Event?.Timestamp ?? Decision?.Timestamp ?? Reward!.Timestamp;

    /// <summary>The input topic the record goes to, and its value in the wire format.</summary>
    public (string Topic, byte[] Value) Serialize(RecordSerdes serdes, TopicOptions topics) => this switch
    {
        { Event: { } e } => (topics.Clickstream, serdes.ClickEvent.Serialize(e, Value(topics.Clickstream))),
        { Decision: { } d } => (topics.Decisions, serdes.Decision.Serialize(d, Value(topics.Decisions))),
        _ => (topics.Rewards, serdes.Reward.Serialize(Reward!, Value(topics.Rewards))),
    };

    private static SerializationContext Value(string topic) => new(MessageComponentType.Value, topic);
}
