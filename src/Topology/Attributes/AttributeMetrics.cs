using Streams.Engine.Metrics;

namespace Personalization.Topology.Attributes;

/// <summary>The metrics of user attributes.</summary>
public static class AttributeMetrics
{
    public static readonly MetricDescriptor AttributeUpdates =
        MetricDescriptor.Counter("streams_attribute_updates_total", "records", "Attribute updates written to users.attributes.");

    public static readonly MetricDescriptor FraudFlagsHeld = MetricDescriptor.Counter(
        "streams_fraud_flags_held_total", "scores", "Fraud scores kept from attributes because the fraud guardrail was active.");
}
