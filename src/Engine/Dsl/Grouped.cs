using Streams.Engine.Serialization;

namespace Streams.Engine.Dsl;

/// <summary>Serdes (and a name) for a repartition before grouping.</summary>
public sealed record Grouped<TKey, TValue>(ISerde<TKey>? KeySerde = null, ISerde<TValue>? ValueSerde = null, string? Name = null);

/// <summary>Factories for <see cref="Grouped{TKey, TValue}"/>.</summary>
public static class Grouped
{
    /// <summary>Serdes for the grouped stream.</summary>
    public static Grouped<TKey, TValue> With<TKey, TValue>(ISerde<TKey> keySerde, ISerde<TValue> valueSerde, string? name = null) =>
        new(keySerde, valueSerde, name);
}
