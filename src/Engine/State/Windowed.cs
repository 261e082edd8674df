namespace Streams.Engine.State;

/// <summary>A key together with the window its value belongs to: the key type of windowed tables.</summary>
/// <param name="Key">The record key.</param>
/// <param name="Window">The window.</param>
public readonly record struct Windowed<TKey>(TKey Key, Window Window)
{
    /// <inheritdoc />
    public override string ToString() => $"{Key}@{Window}";
}
