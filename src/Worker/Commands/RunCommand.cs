using System.CommandLine;
using Personalization.Worker.Hosting;

namespace Personalization.Worker.Commands;

/// <summary><c>run</c> (the default): the worker host. Extra <c>--Section:Key=value</c> arguments override configuration.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var command = new Command(
            "run",
            "Run the worker: the topology over Kafka (or, with no Kafka__BootstrapServers, over an embedded cluster with demo traffic), "
            + "with /metrics and /healthz on one HTTP port.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction((parse, cancellationToken) => RunAsync([.. parse.UnmatchedTokens], cancellationToken));
        return command;
    }

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        Microsoft.AspNetCore.Builder.WebApplication app;
        try
        {
            app = WorkerHost.Build(args);
        }
        catch (WorkerConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"Start-up failed: {e.Message}");
            return 2;
        }

        try
        {
            await Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.RunAsync(app, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"The worker failed: {e}");
            return 1;
        }

        return Environment.ExitCode;
    }
}
