using System.Diagnostics;
using System.Text.Json;

namespace Personalization.Bench;

/// <summary>Runs one scenario in a fresh bench process and reads back its JSON result.</summary>
internal static class IsolatedScenario
{
    public static ScenarioResult Run(string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [typeof(IsolatedScenario).Assembly.Location, .. arguments])
        {
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        ScenarioResult? result = null;
        while (process.StandardOutput.ReadLine() is { } line)
        {
            if (line.StartsWith('{'))
            {
                result = JsonSerializer.Deserialize<ScenarioResult>(line);
            }
        }

        process.WaitForExit();
        return result ?? throw new InvalidOperationException($"The isolated run of '{string.Join(' ', arguments)}' gave no result (exit code {process.ExitCode}).");
    }
}
