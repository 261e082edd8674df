using Personalization.Topology.Records;

namespace Personalization.Simulation;

/// <summary>A clickstream event with its fraud label, when the file has one.</summary>
public readonly record struct LabeledEvent(ClickEvent Event, bool? IsFraudster);
