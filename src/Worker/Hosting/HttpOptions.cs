namespace Personalization.Worker.Hosting;

/// <summary>Section "Http".</summary>
internal sealed class HttpOptions
{
    public int Port { get; set; } = 8080;
}
