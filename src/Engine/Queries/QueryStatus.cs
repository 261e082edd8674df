namespace Streams.Engine.Queries;

/// <summary>What became of a query of this instance's stores.</summary>
public enum QueryStatus
{
    /// <summary>The query ran against a running task's stores (or a standby's, when allowed).</summary>
    Answered,

    /// <summary>This instance holds the key's task but is still restoring its stores; ask again shortly.</summary>
    Restoring,

    /// <summary>This instance does not hold the key's task (active, or standby when allowed): ask its owner.</summary>
    NotHosted,

    /// <summary>The instance is not running (not started yet, shutting down or failed).</summary>
    NotRunning,
}
