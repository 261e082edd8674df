namespace Personalization.Topology.Serving;

/// <summary>A trigger written for the user within the de-duplication period: its kind (the Avro symbol), the item(s) it was about, and its cause time.</summary>
public sealed record SentTriggerView(string Kind, string Subject, DateTimeOffset At);
