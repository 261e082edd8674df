using System.Diagnostics;
using System.Text.Json;

namespace Personalization.Bench;

/// <summary>
/// Runs one scenario in a fresh bench process and reads back its JSON result. The process gets the allocator setting
/// of the shipped image (<c>MALLOC_ARENA_MAX=2</c>, see the Dockerfile), which glibc reads only at start-up.
/// </summary>
internal static class IsolatedScenario
{
    public static ScenarioResult Run(string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [typeof(IsolatedScenario).Assembly.Location, .. arguments])
        {
            RedirectStandardOutput = true,
        };
        start.Environment["MALLOC_ARENA_MAX"] = "2";
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
