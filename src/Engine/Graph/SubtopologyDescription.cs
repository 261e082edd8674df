namespace Streams.Engine.Graph;

/// <summary>One sub-topology.</summary>
public sealed record SubtopologyDescription(int Id, IReadOnlyList<NodeDescription> Nodes);
