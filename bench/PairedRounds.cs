using System.Globalization;

namespace Personalization.Bench;

/// <summary>
/// Runs a baseline scenario and a measured one in alternating rounds and reports the median round of each. On this
/// shared two-core VM the raw passthrough's CPU per event moved by half from one run to the next (3.2–6.3 CPU s per
/// million on one day), so a single pair of runs decided whether the count met a target stated as a ratio to it. Each
/// measured result is compared with the baseline of its own round, which cancels what the machine did in between, and
/// the round whose CPU ratio is the median is the one reported, with every round's ratio in its notes.
/// </summary>
internal static class PairedRounds
{
    public static IReadOnlyList<ScenarioResult> Run(
        int rounds, Func<IReadOnlyList<ScenarioResult>> baseline, Func<IReadOnlyList<ScenarioResult>> measured)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var baselines = new List<ScenarioResult>(rounds);
        var pairs = new List<(ScenarioResult Measured, ScenarioResult Baseline)>();
        for (var round = 1; round <= rounds; round++)
        {
            Console.Error.WriteLine(FormattableString.Invariant($"round {round} of {rounds}"));
            var reference = baseline().Single();
            baselines.Add(reference);
            foreach (var result in measured())
            {
                pairs.Add((result, reference));
            }
        }

        var results = new List<ScenarioResult> { MedianBaseline(baselines) };
        foreach (var variant in pairs.GroupBy(pair => (pair.Measured.Scenario, pair.Measured.Variant)))
        {
            results.Add(MedianPair(variant.ToList()));
        }

        return results;
    }

    private static ScenarioResult MedianBaseline(List<ScenarioResult> rounds)
    {
        if (rounds.Count == 1)
        {
            return rounds[0];
        }

        var median = Median(rounds, result => result.CpuSecondsPerMillionEvents ?? 0);
        return median with
        {
            Notes = ScenarioResult.JoinNotes(median.Notes, $"median of {rounds.Count} rounds by CPU per event; rounds: "
                + string.Join(", ", rounds.Select(r => Describe(r.EventsPerSecond, r.CpuSecondsPerMillionEvents)))),
        };
    }

    private static ScenarioResult MedianPair(List<(ScenarioResult Measured, ScenarioResult Baseline)> rounds)
    {
        var median = Median(rounds, pair => CpuRatio(pair) ?? 0);
        var result = median.Measured with
        {
            Ratio = median.Measured.EventsPerSecond / median.Baseline.EventsPerSecond,
            CpuRatio = CpuRatio(median),
            Baseline = median.Baseline.Scenario,
            Incomplete = rounds.Any(pair => pair.Measured.Incomplete),
        };
        if (rounds.Count == 1)
        {
            return result;
        }

        return result with
        {
            Notes = ScenarioResult.JoinNotes(result.Notes, $"median of {rounds.Count} rounds by CPU per event against the {median.Baseline.Scenario} of the same round; "
                + "rounds: " + string.Join(", ", rounds.Select(pair => Describe(pair.Measured.EventsPerSecond, pair.Measured.CpuSecondsPerMillionEvents)
                    + FormattableString.Invariant($" = {CpuRatio(pair):F2}x")))),
        };
    }

    private static double? CpuRatio((ScenarioResult Measured, ScenarioResult Baseline) pair) =>
        pair.Measured.CpuSecondsPerMillionEvents / pair.Baseline.CpuSecondsPerMillionEvents;

    /// <summary>The element at the middle of the order (the lower of the two middles for an even count).</summary>
    private static T Median<T>(List<T> rounds, Func<T, double> by) => rounds.OrderBy(by).ElementAt((rounds.Count - 1) / 2);

    private static string Describe(double eventsPerSecond, double? cpu) =>
        string.Format(CultureInfo.InvariantCulture, "{0:N0} events/s at {1:F1} CPU s/M", eventsPerSecond, cpu);
}
