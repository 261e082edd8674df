namespace Personalization.Worker.WebConsole;

/// <summary>Section "Console": the read-only web console on the worker's HTTP port.</summary>
public sealed class ConsoleOptions
{
    /// <summary>Serve the console at <c>/console/</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Offer "forget this user" in the user inspector: after a confirmation it writes the user to <c>users.forget</c>,
    /// as any upstream system would. Off by default: the console is otherwise read-only.
    /// </summary>
    public bool AllowForget { get; set; }
}
