namespace Streams.Engine.Graph;

/// <summary>The kind of a topology node.</summary>
public enum NodeKind
{
    /// <summary>Reads topics.</summary>
    Source,

    /// <summary>Transforms records.</summary>
    Processor,

    /// <summary>Writes a topic.</summary>
    Sink,
}
