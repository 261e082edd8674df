namespace Personalization.Worker.Hosting;

/// <summary>Section "Http".</summary>
public sealed class HttpOptions
{
    public int Port { get; set; } = 8080;
}
