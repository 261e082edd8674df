using Streams.Engine.State;

namespace Streams.Engine.Queries;

/// <summary>
/// The stores of one task as an interactive query sees them: read-only, and valid only inside the query callback
/// (the task may close, and its stores with it, as soon as the callback returns).
/// </summary>
public interface IQueryableStores
{
    /// <summary>
    /// A store of the task by name, as <see cref="IReadOnlyKeyValueStore{TKey, TValue}"/> or
    /// <see cref="IReadOnlyWindowStore{TKey, TValue}"/> with the store's key and value types.
    /// </summary>
    TStore Store<TStore>(string name)
        where TStore : class, IStateStore;

    /// <summary>Whether the task has a store of that name (a topology may leave optional parts out).</summary>
    bool Has(string name);
}
