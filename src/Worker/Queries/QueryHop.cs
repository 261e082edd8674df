namespace Personalization.Worker.Queries;

/// <summary>How a lookup reached this instance, from the <c>X-Streams-Forwarded</c> header.</summary>
internal enum QueryHop
{
    /// <summary>From a client: answered here, or forwarded to the owner (or a standby when the owner is unavailable).</summary>
    Client,

    /// <summary>Forwarded to this instance as the owner: answered from its active task, or refused.</summary>
    Owner,

    /// <summary>Forwarded to this instance as a standby, the owner being unavailable: answered from a standby or an active task, or refused.</summary>
    Standby,
}
