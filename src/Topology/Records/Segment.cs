namespace Personalization.Topology.Records;

/// <summary>Behavioural segments, in the schema's symbol order.</summary>
public enum Segment
{
    NewVisitor,
    Browser,
    CartAbandoner,
    Buyer,
}
