using FsCheck.Xunit;
using Streams.Engine.Dsl;
using Streams.Engine.Dsl.Processors;
using Streams.Engine.Serialization;
using Streams.Engine.State;
using Streams.Engine.Testing;

namespace Streams.Engine.Tests;

public sealed class WindowPropertyTests
{
    private const long Size = 60_000;
    private const long Advance = 20_000;
    private const long Grace = 30_000;

    /// <summary>
    /// For any sequence of (key, timestamp) events, in any order, the hopping-window counts in the store and the number
    /// of late drops equal a brute-force recomputation: a record counts in each window [s, s + size) containing it whose
    /// end is after stream time (including the record) minus grace.
    /// </summary>
    [Property(MaxTest = 40)]
    public void Hopping_window_counts_equal_a_brute_force_recomputation((byte Key, ushort Second)[] events)
    {
        var builder = new StreamsBuilder();
        builder.Stream("events", Serdes.String, Serdes.String)
            .GroupByKey()
            .WindowedBy(TimeWindows.OfSizeWithGrace(TimeSpan.FromMilliseconds(Size), TimeSpan.FromMilliseconds(Grace)).AdvanceBy(TimeSpan.FromMilliseconds(Advance)))
            .Count(new Materialized("counts") { StoreType = StoreType.InMemory, Retention = TimeSpan.FromDays(2) });
        using var driver = new TopologyTestDriver(builder.Build());
        var input = driver.CreateInputTopic("events", Serdes.String, Serdes.String);

        var expected = new Dictionary<(string Key, long Start), long>();
        long expectedLate = 0;
        long streamTime = -1;
        foreach (var (keyByte, second) in events)
        {
            var key = $"user-{keyByte % 5}";
            // Five-second steps over five minutes: window edges and grace boundaries are hit often.
            var timestamp = TestTime.T0 + second % 60 * 5000L;
            input.PipeInput(key, "e", timestamp);

            streamTime = Math.Max(streamTime, timestamp);
            for (var start = timestamp - timestamp % Advance - Size + Advance; start <= timestamp; start += Advance)
            {
                if (start < 0 || start + Size <= timestamp)
                {
                    continue;
                }

                if (start + Size <= streamTime - Grace)
                {
                    expectedLate++;
                    continue;
                }

                expected[(key, start)] = expected.GetValueOrDefault((key, start)) + 1;
            }
        }

        var actual = driver.GetWindowStore<string, long>("counts").All().ToDictionary(kv => (kv.Key.Key, kv.Key.Window.Start), kv => kv.Value);
        Assert.Equal(expected.OrderBy(kv => kv.Key), actual.OrderBy(kv => kv.Key));
        Assert.Equal(expectedLate, driver.Metrics.CounterValue(DroppedRecordMetrics.LateRecordsDropped, "counts"));
    }
}
