using System.Diagnostics;
using Personalization.Topology;
using Personalization.Topology.Records;
using Personalization.Topology.Scoring;
using Streams.Engine;
using Streams.Engine.Testing;

namespace Personalization.Bench.Scenarios;

/// <summary>
/// The reward join at steady state, on the topology test driver: bandit decisions at a fixed rate of event time (a
/// third of them with an explicit reward five seconds later), the wall clock moving with event time, for longer than
/// the join remembers closed decisions (ten minutes by default). What the scenario shows is the cost of keeping the
/// join's state, the windows it closes each second and the closed decisions it forgets, once that state has reached
/// the size a live deployment holds; the measured window is the last <see cref="MeasuredMinutes"/> minutes.
/// </summary>
internal static class RewardJoinScenario
{
    private const int MeasuredMinutes = 2;

    public static IReadOnlyList<ScenarioResult> Run(int decisionsPerSecond, int users)
    {
        var options = new PersonalizationOptions();
        var minutes = (int)Math.Ceiling(options.RewardJoin.ClosedDecisionRetention.TotalMinutes) + 1 + MeasuredMinutes;
        using var models = new ModelDirectory(new ModelOptions { Directory = Path.Combine(AppContext.BaseDirectory, "models") });
        models.Scan();
        using var serdes = new RecordSerdes(RecordSchemas.LocalRegistry());
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var driver = new TopologyTestDriver(
            new PersonalizationTopology(options, serdes, models, new FraudGuardrail(options.Scoring)).Build(), new StreamsConfig { ApplicationId = "bench" }, start);
        var decisions = driver.CreateInputTopic(options.Topics.Decisions, Streams.Engine.Serialization.Serdes.String, serdes.Decision);
        var rewards = driver.CreateInputTopic(options.Topics.Rewards, Streams.Engine.Serialization.Serdes.String, serdes.Reward);
        var training = driver.CreateOutputTopic(options.Topics.Training, Streams.Engine.Serialization.Serdes.String, serdes.TrainingRecord);

        var random = new Random(17);
        var waiting = new Queue<Reward>();
        var measuredFrom = (minutes - MeasuredMinutes) * 60;
        var cpu = default(CpuClock);
        var stopwatch = new Stopwatch();
        long measured = 0, joined = 0;
        var allocated = 0L;
        var operations = default(StoreOperationCounts);
        for (var second = 0; second < minutes * 60; second++)
        {
            if (second == measuredFrom)
            {
                allocated = GC.GetAllocatedBytesForCurrentThread();
                operations = StoreOperationCounts.Of(driver.Metrics);
                cpu = CpuClock.Start();
                stopwatch.Start();
            }

            var now = start.AddSeconds(second);
            for (var i = 0; i < decisionsPerSecond; i++)
            {
                var at = now.AddMilliseconds(i * 1000L / decisionsPerSecond);
                var decision = Decision($"d-{second}-{i}", $"user-{random.Next(users)}", at, random);
                decisions.PipeInput(decision.UserId, decision, at);
                if (i % 3 == 0)
                {
                    waiting.Enqueue(new Reward { EventId = decision.EventId, UserId = decision.UserId, Value = 1, Timestamp = at.AddSeconds(5) });
                }

                while (waiting.TryPeek(out var reward) && reward.Timestamp <= at)
                {
                    rewards.PipeInput(waiting.Dequeue().UserId, reward, reward.Timestamp);
                    measured += second >= measuredFrom ? 1 : 0;
                }

                measured += second >= measuredFrom ? 1 : 0;
            }

            driver.AdvanceWallClockTime(TimeSpan.FromSeconds(1));
            joined += training.ReadRecordsToList().Count;
        }

        stopwatch.Stop();
        var seconds = MeasuredMinutes * 60;
        return
        [
            new ScenarioResult
            {
                Scenario = "reward-join",
                Variant = $"{decisionsPerSecond}-decisions-per-s",
                Events = measured,
                Seconds = stopwatch.Elapsed.TotalSeconds,
                CpuSeconds = cpu.Elapsed.TotalSeconds,
                AllocatedBytesPerEvent = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)measured,
                PeakWorkingSetMb = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0,
                Notes = ScenarioResult.JoinNotes(
                    FormattableString.Invariant(
                        $"{minutes} minutes of event time at {decisionsPerSecond:N0} decisions/s over {users:N0} users, a third rewarded; measured over the last {MeasuredMinutes}: ") +
                    FormattableString.Invariant(
                        $"{cpu.Elapsed.TotalSeconds / seconds * 1000:N1} ms of CPU per second of traffic; {joined:N0} training records in all"),
                    (StoreOperationCounts.Of(driver.Metrics) - operations).Describe(measured)),
            },
        ];
    }

    private static Decision Decision(string id, string user, DateTimeOffset at, Random random)
    {
        string[] actions = [$"item-{random.Next(20_000)}", $"item-{random.Next(20_000)}", $"item-{random.Next(20_000)}", $"item-{random.Next(20_000)}"];
        return new Decision
        {
            EventId = id,
            UserId = user,
            Timestamp = at,
            Context = new Dictionary<string, double> { ["affinity"] = Math.Round(random.NextDouble(), 3), ["hour"] = at.Hour, ["channel"] = 1 },
            Actions = actions,
            ChosenAction = actions[0],
            Probability = 0.925,
            Probabilities = [0.925, 0.025, 0.025, 0.025],
            ModelId = "bandit-eg-v1",
        };
    }
}
