using Streams.Engine.Metrics;

namespace Personalization.Topology.Triggers;

/// <summary>The metrics of triggers: what was written, what the policy held back, and interest the bounds let go.</summary>
public static class TriggerMetrics
{
    public static readonly MetricDescriptor Triggers =
        MetricDescriptor.Counter("streams_triggers_total", "records", "Triggers written to triggers.outbound, by kind.", "kind");

    public static readonly MetricDescriptor Suppressed = MetricDescriptor.Counter(
        "streams_triggers_suppressed_total", "triggers",
        "Triggers not written, by kind and reason: fraud_hold (the user's fraud risk is HIGH), duplicate (same user, item and kind within the "
        + "de-duplication period), frequency_cap (the user's daily cap was reached), purchased (bought since the interest), look_back (interest older "
        + "than the look-back).",
        "kind", "reason");

    public static readonly MetricDescriptor InterestDropped = MetricDescriptor.Counter(
        "streams_trigger_interest_dropped_total", "entries",
        "Interest the bounds let go, by reason: item_cap (an item's oldest interested users beyond MaxUsersPerItem), user_cap (a user's oldest "
        + "items, or cart items, beyond MaxItemsPerUser).",
        "reason");
}
