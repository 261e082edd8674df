namespace Personalization.Topology.Records;

/// <summary>Where an event came from, in the schema's symbol order.</summary>
public enum Channel
{
    Web,
    App,
    Email,
    Ad,
}
