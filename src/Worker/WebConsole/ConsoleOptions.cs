namespace Personalization.Worker.WebConsole;

/// <summary>Section "Console": the read-only web console on the worker's HTTP port.</summary>
public sealed class ConsoleOptions
{
    /// <summary>Serve the console at <c>/console/</c>.</summary>
    public bool Enabled { get; set; } = true;
}
