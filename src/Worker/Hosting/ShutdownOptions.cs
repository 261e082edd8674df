namespace Personalization.Worker.Hosting;

/// <summary>Section "Shutdown".</summary>
internal sealed class ShutdownOptions
{
    /// <summary>How long SIGTERM may take: finish in-flight work, commit and close.</summary>
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromSeconds(30);
}
