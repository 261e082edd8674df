namespace Personalization.Worker.Hosting;

/// <summary>A configuration value that stops start-up; the message names the key.</summary>
internal sealed class WorkerConfigurationException(string key, string problem, Exception? inner = null)
    : Exception($"Configuration '{key}': {problem}", inner)
{
    public string Key { get; } = key;
}
