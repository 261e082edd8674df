using Streams.Engine.Runtime;

namespace Streams.TestSupport;

/// <summary>Unique names and a private state directory per test, so tests can share one cluster.</summary>
public abstract class EndToEndTest(KafkaClusterFixture kafka) : IDisposable
{
    private readonly string _id = Guid.NewGuid().ToString("N")[..8];

    protected KafkaClusterFixture Kafka { get; } = kafka;

    protected string StateRoot => Path.Combine(Path.GetTempPath(), "e2e-" + _id);

    protected string Name(string prefix) => $"{prefix}-{_id}";

    protected string StateDir(string instance) => Path.Combine(StateRoot, instance);

    public void Dispose()
    {
        if (Directory.Exists(StateRoot))
        {
            Directory.Delete(StateRoot, recursive: true);
        }
    }

    protected static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for {what}.");
            }

            await Task.Delay(50);
        }
    }

    protected static Task WaitForRunningAsync(KafkaStreams streams) =>
        WaitForAsync(() => streams.State == StreamsState.Running || streams.State == StreamsState.Error, TimeSpan.FromSeconds(60), "the runtime to be running");
}
