namespace Streams.Engine.Graph;

/// <summary>One node: its kind, the topics it reads or writes, its stores and its neighbours.</summary>
public sealed record NodeDescription(
    string Name,
    NodeKind Kind,
    IReadOnlyList<string> Topics,
    IReadOnlyList<string> Stores,
    IReadOnlyList<string> Predecessors,
    IReadOnlyList<string> Successors);
