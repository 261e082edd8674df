using System.Diagnostics;
using System.Globalization;
using System.Net;
using Xunit.Abstractions;

namespace Personalization.Worker.Tests;

/// <summary>The worker binary as a child process, as a platform team runs it: arguments, environment, signals, exit code.</summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;
    private readonly ITestOutputHelper _output;

    private WorkerProcess(Process process, ITestOutputHelper output)
    {
        _process = process;
        _output = output;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public static WorkerProcess Start(ITestOutputHelper output, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Personalization.Worker.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return new WorkerProcess(Process.Start(start)!, output);
    }

    /// <summary>Runs a command to its end.</summary>
    public static async Task<(int Exit, string Output, string Errors)> RunAsync(ITestOutputHelper output, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var process = Start(output, environment, args);
        return await process.WaitForExitAsync(TimeSpan.FromSeconds(120));
    }

    /// <summary>Waits until <c>/healthz/ready</c> on <paramref name="port"/> answers 200; returns its body.</summary>
    public async Task<string> WaitUntilReadyAsync(int port, TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                var response = await http.GetAsync("/healthz/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return await response.Content.ReadAsStringAsync();
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        var (exit, _, errors) = _process.HasExited ? await WaitForExitAsync(TimeSpan.FromSeconds(5)) : (-1, "", "");
        throw new TimeoutException($"The worker was not ready within {timeout.TotalSeconds} s (exit {exit}): {errors}");
    }

    /// <summary>SIGKILL, as a node failure or an OOM kill ends a pod: no commit, no goodbye.</summary>
    public void KillHard()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>Sends SIGTERM, as Kubernetes does, and waits for the exit.</summary>
    public async Task<(int Exit, string Output, string Errors)> TerminateAsync(TimeSpan timeout)
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync();
        return await WaitForExitAsync(timeout);
    }

    public async Task<(int Exit, string Output, string Errors)> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        var (outText, errText) = (await _stdout, await _stderr);
        _output.WriteLine(outText.Length > 4000 ? outText[^4000..] : outText);
        _output.WriteLine(errText);
        return (_process.ExitCode, outText, errText);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
