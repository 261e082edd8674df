namespace Streams.Engine.State;

/// <summary>A named store of task-local state, reachable from processors through the processor context.</summary>
public interface IStateStore
{
    /// <summary>The store name; the changelog topic is <c>&lt;application.id&gt;-&lt;name&gt;-changelog</c>.</summary>
    string Name { get; }

    /// <summary>True when the data lives on disk (RocksDB) and survives a restart without a full restore.</summary>
    bool IsPersistent { get; }

    /// <summary>True when every change is written to the changelog topic.</summary>
    bool IsLogged { get; }

    /// <summary>True between the task's initialization and its close.</summary>
    bool IsOpen { get; }

    /// <summary>An estimate of the number of entries.</summary>
    long ApproximateCount { get; }
}
