namespace Personalization.Worker.Tests;

/// <summary>
/// A test that drives the console in headless Chromium (Debian's <c>chromium</c> package at <see cref="Path"/>). Skipped
/// with a message where the browser is not installed, except under CI, which installs it: there a missing browser
/// fails the test rather than hiding it.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Path = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(Path) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            Skip = $"Headless Chromium is not installed at {Path} (apt-get install chromium; .ci/run does).";
        }
    }
}
