using System.Diagnostics;
using Personalization.Generation;
using Personalization.Records;
using Personalization.Scoring;
using Streams.Engine;
using Streams.Engine.State;
using Streams.Engine.Testing;

namespace Personalization.Bench.Scenarios;

/// <summary>
/// Features and scoring alone, on the topology test driver (no broker): the generator's event mix through the
/// PersonalizationTopology with the shipped models, on RocksDB stores and on in-memory stores.
/// </summary>
internal static class TopologyDriverScenario
{
    public static IReadOnlyList<ScenarioResult> Run(int events)
    {
        var generated = new ClickstreamGenerator(new GeneratorOptions { Users = 20_000, Seed = 3 })
            .Select(r => r.Event).OfType<ClickEvent>().Take(events).ToArray();
        return [Measure(generated, StoreType.RocksDb), Measure(generated, StoreType.InMemory)];
    }

    private static ScenarioResult Measure(ClickEvent[] events, StoreType storeType)
    {
        var options = new PersonalizationOptions { StoreType = storeType };
        using var models = new ModelDirectory(new ModelOptions { Directory = Path.Combine(AppContext.BaseDirectory, "models") });
        models.Scan();
        using var serdes = new RecordSerdes(RecordSchemas.LocalRegistry());
        var topology = new PersonalizationTopology(options, serdes, models, new FraudGuardrail(options.Scoring)).Build();
        using var driver = new TopologyTestDriver(topology, new StreamsConfig { ApplicationId = "bench" });
        var input = driver.CreateInputTopic(options.Topics.Clickstream, Streams.Engine.Serialization.Serdes.String, serdes.ClickEvent);

        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < events.Length; i++)
        {
            input.PipeInput(events[i].UserId, events[i], events[i].Timestamp.ToUnixTimeMilliseconds());
            if (i % 1000 == 999)
            {
                // One second of wall clock per thousand events: the punctuator rescores changed users as in production.
                driver.AdvanceWallClockTime(TimeSpan.FromSeconds(1));
            }
        }

        stopwatch.Stop();
        return new ScenarioResult
        {
            Scenario = "features",
            Variant = storeType == StoreType.RocksDb ? "driver-rocksdb" : "driver-in-memory",
            Events = events.Length,
            Seconds = stopwatch.Elapsed.TotalSeconds,
            PeakWorkingSetMb = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0,
        };
    }
}
