using Streams.Engine.State;

namespace Streams.Engine.Graph;

/// <summary>One state store and its changelog topic (null when not logged).</summary>
public sealed record StoreDescription(string Name, StoreType Type, string? Changelog);
