namespace Streams.Engine.Graph;

/// <summary>
/// A topic as the topology names it. Internal topics (repartition topics) are named relative to the application and
/// resolve to <c>&lt;application.id&gt;-&lt;name&gt;</c> when the topology runs.
/// </summary>
public readonly record struct TopicName(string Name, bool IsInternal)
{
    /// <summary>The topic's name on the broker.</summary>
    public string Resolve(string applicationId) => IsInternal ? $"{applicationId}-{Name}" : Name;

    /// <inheritdoc />
    public override string ToString() => IsInternal ? $"<application.id>-{Name}" : Name;
}
