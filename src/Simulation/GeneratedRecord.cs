using Confluent.Kafka;
using Personalization.Topology;
using Personalization.Topology.Records;

namespace Personalization.Simulation;

/// <summary>
/// One generated record, in event-time order: a clickstream event, a bandit decision, an explicit reward, or a
/// catalog item's new state.
/// </summary>
public readonly record struct GeneratedRecord(ClickEvent? Event, Decision? Decision, Reward? Reward, bool UserIsFraudster, ItemUpdate? Item = null)
{
    /// <summary>The record key: the user id, or the item id of a catalog record.</summary>
    public string Key => Item?.ItemId ?? UserId!;

    /// <summary>The user the record is about; null for a catalog record.</summary>
    public string? UserId => Event?.UserId ?? Decision?.UserId ?? Reward?.UserId;

    public DateTimeOffset Timestamp => Event?.Timestamp ?? Decision?.Timestamp ?? Reward?.Timestamp ?? Item!.UpdatedAt;

    /// <summary>The input topic the record goes to, and its value in the wire format.</summary>
    public (string Topic, byte[] Value) Serialize(RecordSerdes serdes, TopicOptions topics) => this switch
    {
        { Event: { } e } => (topics.Clickstream, serdes.ClickEvent.Serialize(e, Value(topics.Clickstream))),
        { Decision: { } d } => (topics.Decisions, serdes.Decision.Serialize(d, Value(topics.Decisions))),
        { Reward: { } r } => (topics.Rewards, serdes.Reward.Serialize(r, Value(topics.Rewards))),
        _ => (topics.Catalog, serdes.ItemUpdate.Serialize(Item!, Value(topics.Catalog))),
    };

    private static SerializationContext Value(string topic) => new(MessageComponentType.Value, topic);
}
