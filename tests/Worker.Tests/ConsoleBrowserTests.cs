using System.Globalization;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Personalization.Topology.Records;
using Personalization.Worker.Hosting;
using Personalization.Worker.Tests.Deployment;
using Streams.TestSupport;
using Xunit.Abstractions;

namespace Personalization.Worker.Tests;

/// <summary>
/// The web console in a real browser against a worker on the embedded default: the pipeline view shows traffic and
/// the pod, the user inspector shows the score last written for a user and the user's events and scores over time,
/// and a user forgotten through its button (after the confirmation) shows as absent. Screenshots of both
/// views go to the test's output directory, and to docs/images when UPDATE_SCREENSHOTS=1.
/// </summary>
public sealed class ConsoleBrowserTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _stateDir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "console-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_stateDir))
        {
            Directory.Delete(_stateDir, recursive: true);
        }
    }

    [ChromiumFact]
    public async Task The_console_shows_live_throughput_a_users_latest_score_and_a_forgotten_user_as_absent()
    {
        var port = Ports.Free();
        var app = WorkerHost.Build([], new Dictionary<string, string?>
        {
            ["Http:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Streams:StateDir"] = _stateDir,
            ["Generator:Rate"] = "200",
            ["Console:AllowForget"] = "true",
        });
        await app.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumFactAttribute.Path,
            Headless = true,
            // This machine's network is closed: without these Chromium keeps trying to reach Google's hosts.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        try
        {
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
            var console = $"http://127.0.0.1:{port}/console/";
            await page.GotoAsync(console);

            // Rates need two polls; the generator's events must show as a non-zero rate in.
            var clickstreamIn = page.Locator("#topics tr[data-topic='events.clickstream'] td:nth-child(2)");
            await Assertions.Expect(clickstreamIn).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[1-9][0-9]*$"), new() { Timeout = 60_000 });
            await Assertions.Expect(page.Locator("#models tr[data-model='propensity'] td:nth-child(2)")).ToHaveTextAsync("v1");
            var instances = page.Locator("#instances tbody tr");
            await Assertions.Expect(instances).ToHaveCountAsync(1);
            await Assertions.Expect(instances.Nth(0).Locator("td").Nth(0)).ToContainTextAsync("(this pod)");
            await Screenshot(page, "console-pipeline.png");

            var settings = app.Services.GetRequiredService<WorkerSettings>();
            var connection = app.Services.GetRequiredService<KafkaConnection>();
            var serdes = app.Services.GetRequiredService<RecordSerdes>();
            const string user = "console-visitor";
            await ProduceAsync(connection.BootstrapServers, settings.Topics.Clickstream, user,
                serdes.ClickEvent.Serialize(new ClickEvent
                {
                    EventId = "console-visitor-1", UserId = user, SessionId = "s1", Type = EventType.ProductView, Timestamp = DateTimeOffset.UtcNow, ItemId = "item-7",
                }, new SerializationContext(MessageComponentType.Value, settings.Topics.Clickstream)));
            var score = LastScore(connection.BootstrapServers, settings.Topics.PropensityScores, serdes.Score, user);

            await page.GotoAsync(console + "#user/" + user);
            await Assertions.Expect(page.Locator("#user-status")).ToHaveAttributeAsync("data-outcome", "found", new() { Timeout = 30_000 });
            var shown = page.Locator("#user-scores tr[data-model='propensity'] td");
            await Assertions.Expect(shown.Nth(1)).ToHaveTextAsync(score.Value.ToString("F4", CultureInfo.InvariantCulture));
            await Assertions.Expect(shown.Nth(2)).ToHaveTextAsync(score.ModelVersion);
            // The history read back from the topics: the event itself, and the same score among the scores over time.
            var events = page.Locator("#user-events tbody tr");
            await Assertions.Expect(events).ToHaveCountAsync(1);
            await Assertions.Expect(events.Nth(0).Locator("td").Nth(1)).ToHaveTextAsync("product view");
            await Assertions.Expect(events.Nth(0).Locator("td").Nth(2)).ToHaveTextAsync("item-7");
            var scored = page.Locator("#user-score-history tbody tr", new() { HasText = score.Value.ToString("F4", CultureInfo.InvariantCulture) });
            await Assertions.Expect(scored.First.Locator("td").Nth(1)).ToHaveTextAsync("propensity");
            await Assertions.Expect(scored.First.Locator("td").Nth(3)).ToHaveTextAsync(score.ModelVersion);

            // A user of the demo's generator with some history, for the picture of the inspector.
            var busiest = BusiestUser(connection.BootstrapServers, settings.Topics.PropensityScores);
            await page.GotoAsync(console + "#user/" + busiest);
            await Assertions.Expect(page.Locator("#user-status")).ToHaveAttributeAsync("data-outcome", "found", new() { Timeout = 30_000 });
            await Assertions.Expect(page.Locator("#user-events tbody tr").First).ToBeVisibleAsync();
            await Screenshot(page, "console-user.png");

            await page.GotoAsync(console + "#user/" + user);
            await Assertions.Expect(page.Locator("#user-status")).ToHaveAttributeAsync("data-outcome", "found", new() { Timeout = 30_000 });

            // Forget, as the console offers it: the button, then the confirmation.
            page.Dialog += (_, dialog) => dialog.AcceptAsync();
            await page.ClickAsync("#forget-button");
            await Assertions.Expect(page.Locator("#user-status")).ToContainTextAsync($"forget request for {user} written to {settings.Topics.Forget}");
            await page.WaitForFunctionAsync(
                """async (user) => (await fetch('/v1/users/' + user)).status === 404""", user, new() { Timeout = 30_000, PollingInterval = 500 });
            await page.ReloadAsync();
            await Assertions.Expect(page.Locator("#user-status")).ToHaveAttributeAsync("data-outcome", "absent", new() { Timeout = 30_000 });
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private async Task Screenshot(IPage page, string name)
    {
        var path = System.IO.Path.Combine(AppContext.BaseDirectory, name);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
        if (Environment.GetEnvironmentVariable("UPDATE_SCREENSHOTS") == "1")
        {
            File.Copy(path, System.IO.Path.Combine(RepositoryFiles.Root, "docs", "images", name), overwrite: true);
        }
    }

    private static async Task ProduceAsync(string bootstrapServers, string topic, string key, byte[] value)
    {
        // murmur2, as every producer to the worker's inputs must partition (the history looks for the user there).
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = bootstrapServers, Partitioner = Partitioner.Murmur2Random }).Build();
        await producer.ProduceAsync(topic, new Message<string, byte[]> { Key = key, Value = value, Timestamp = new Timestamp(DateTimeOffset.UtcNow) });
    }

    /// <summary>The user with the most records among the first thousand of <paramref name="topic"/>.</summary>
    private static string BusiestUser(string bootstrapServers, string topic)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "console-test-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(topic);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        for (var read = 0; read < 1_000 && DateTime.UtcNow < deadline;)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { Message.Key: { } key })
            {
                counts[key] = counts.GetValueOrDefault(key) + 1;
                read++;
            }
        }

        consumer.Close();
        return counts.MaxBy(entry => entry.Value).Key;
    }

    /// <summary>The last score written for <paramref name="user"/>, once one is.</summary>
    private static Score LastScore(string bootstrapServers, string topic, IDeserializer<Score> scores, string user)
    {
        using var consumer = new ConsumerBuilder<string, Score>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "console-test-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            IsolationLevel = IsolationLevel.ReadCommitted,
        }).SetValueDeserializer(scores).Build();
        consumer.Subscribe(topic);
        Score? last = null;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (record?.Message?.Key == user)
            {
                last = record.Message.Value;
            }
            else if (record is null && last is not null)
            {
                break;
            }
        }

        consumer.Close();
        return last ?? throw new TimeoutException($"No score for {user} on {topic}.");
    }
}
