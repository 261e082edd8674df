namespace Streams.Engine.State;

/// <summary>Where a store keeps its data.</summary>
public enum StoreType
{
    /// <summary>RocksDB under the state directory: bounded memory, survives restarts.</summary>
    RocksDb,

    /// <summary>A sorted map on the heap: fastest, rebuilt from the changelog after every restart.</summary>
    InMemory,
}
