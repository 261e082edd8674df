namespace Personalization.Topology.Records;

/// <summary>Fraud risk levels, in the schema's symbol order.</summary>
public enum RiskLevel
{
    Low,
    Medium,
    High,
}
