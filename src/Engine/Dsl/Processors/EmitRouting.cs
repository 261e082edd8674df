namespace Streams.Engine.Dsl.Processors;

/// <summary>
/// Which children of a windowed aggregation receive every update and which only final results. Filled while the
/// topology is built (each <c>ToStream</c> adds a child), read when tasks create the processors.
/// </summary>
internal sealed class EmitRouting
{
    public List<string> UpdateChildren { get; } = [];

    public List<string> FinalChildren { get; } = [];

    /// <summary>The store that remembers how far final results were emitted, so a restart does not emit them again.</summary>
    public string? EmittedStore { get; set; }
}

/// <summary>Folds one record into an aggregate; <paramref name="hasAggregate"/> is false for a key's (or window's) first record.</summary>
internal delegate TAggregate Aggregation<in TKey, in TValue, TAggregate>(TKey key, TValue value, bool hasAggregate, TAggregate aggregate);
