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
    /// <summary>What stands for the application id in described internal topic names.</summary>
    public const string ApplicationIdPlaceholder = "<application.id>";

    public override string ToString() => IsInternal ? $"{ApplicationIdPlaceholder}-{Name}" : Name;
}
