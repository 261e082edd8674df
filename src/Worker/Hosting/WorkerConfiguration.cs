using Microsoft.Extensions.Configuration;

namespace Personalization.Worker.Hosting;

/// <summary>
/// The configuration every command reads, in the documented order (each source overrides the ones before it):
/// appsettings.json next to the binary, environment variables (<c>__</c> for <c>:</c>), files in <c>SECRETS_DIR</c>
/// (one per key), then <c>--Section:Key=value</c> arguments. <see cref="WorkerHost"/> builds the same order on its
/// web host's configuration.
/// </summary>
internal static class WorkerConfiguration
{
    public const string SecretsDirectoryVariable = "SECRETS_DIR";

    /// <summary>The directory of secret files, when <c>SECRETS_DIR</c> is set.</summary>
    public static string? SecretsDirectory => Environment.GetEnvironmentVariable(SecretsDirectoryVariable) is { Length: > 0 } directory ? directory : null;

    public static IConfigurationRoot Build(string[] commandLine)
    {
        var builder = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables();
        if (SecretsDirectory is { } secrets)
        {
            builder.AddKeyPerFile(secrets, optional: true);
        }

        return builder.AddCommandLine(commandLine).Build();
    }

    /// <summary>The validated settings for a command, or null after printing the problem (the caller exits 2).</summary>
    public static WorkerSettings? LoadFor(string command)
    {
        try
        {
            return WorkerSettings.Load(Build([]), AppContext.BaseDirectory);
        }
        catch (WorkerConfigurationException e)
        {
            Console.Error.WriteLine($"{command}: {e.Message}");
            return null;
        }
    }
}
