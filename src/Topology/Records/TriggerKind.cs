namespace Personalization.Topology.Records;

/// <summary>Why a user is contacted, in the schema's symbol order (schemas/Trigger.avsc).</summary>
public enum TriggerKind
{
    PriceDrop,
    BackInStock,
    CartAbandoned,
}
