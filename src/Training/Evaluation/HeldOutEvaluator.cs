namespace Personalization.Training.Evaluation;

/// <summary>
/// Scores held-out examples' rankings by several scorers on the same examples, with 95 % intervals from a bootstrap
/// that resamples users, not examples: one user's examples are correlated (the same history, often the same label), so
/// resampling them one by one would make the intervals too narrow. The model is compared with the best baseline on
/// the same resamples, so the interval of the difference reflects how often the model really ranks better.
/// </summary>
public sealed class HeldOutEvaluator(double targetPrecision, int resamples, int seed)
{
    /// <param name="labels">The held-out examples' labels.</param>
    /// <param name="users">Each example's user, numbered from 0.</param>
    /// <param name="scorers">The model first, then the baselines, each with a score per example.</param>
    public (IReadOnlyList<ScorerEvaluation> Scorers, BaselineComparison Comparison) Evaluate(
        bool[] labels, int[] users, IReadOnlyList<(string Name, float[] Scores)> scorers)
    {
        var orders = scorers.Select(s => RankingMetrics.Order(s.Scores)).ToArray();
        var ones = Enumerable.Repeat(1.0, labels.Length).ToArray();
        var points = scorers.Select((s, k) => RankingMetrics.Compute(orders[k], s.Scores, labels, ones, targetPrecision)).ToArray();

        var userCount = users.Length == 0 ? 0 : users.Max() + 1;
        var samples = new (double Roc, double Pr, double Recall)[scorers.Count][];
        for (var k = 0; k < scorers.Count; k++)
        {
            samples[k] = new (double, double, double)[resamples];
        }

        var random = new Random(seed);
        var drawn = new int[userCount];
        var weights = new double[labels.Length];
        for (var b = 0; b < resamples; b++)
        {
            Array.Clear(drawn);
            for (var u = 0; u < userCount; u++)
            {
                drawn[random.Next(userCount)]++;
            }

            for (var i = 0; i < weights.Length; i++)
            {
                weights[i] = drawn[users[i]];
            }

            for (var k = 0; k < scorers.Count; k++)
            {
                var (roc, pr, recall, _) = RankingMetrics.Compute(orders[k], scorers[k].Scores, labels, weights, targetPrecision);
                samples[k][b] = (roc, pr, recall);
            }
        }

        var evaluations = scorers.Select((s, k) => new ScorerEvaluation(
            s.Name,
            Interval(points[k].RocAuc, samples[k].Select(x => x.Roc)),
            Interval(points[k].PrAuc, samples[k].Select(x => x.Pr)),
            Interval(points[k].Recall, samples[k].Select(x => x.Recall)),
            points[k].Threshold)).ToList();

        var best = Enumerable.Range(1, scorers.Count - 1).MaxBy(k => points[k].PrAuc);
        var comparison = new BaselineComparison(
            scorers[best].Name,
            Interval(points[0].RocAuc - points[best].RocAuc, samples[0].Zip(samples[best], (m, b) => m.Roc - b.Roc)),
            Interval(points[0].PrAuc - points[best].PrAuc, samples[0].Zip(samples[best], (m, b) => m.Pr - b.Pr)));
        return (evaluations, comparison);
    }

    /// <summary>The point estimate with the 2.5th and 97.5th percentiles of its resamples (those without both classes left out).</summary>
    private static MetricInterval Interval(double value, IEnumerable<double> resampled)
    {
        var sorted = resampled.Where(double.IsFinite).Order().ToArray();
        if (sorted.Length == 0)
        {
            return new MetricInterval(value, double.NaN, double.NaN);
        }

        return new MetricInterval(value, Percentile(sorted, 0.025), Percentile(sorted, 0.975));
    }

    private static double Percentile(double[] sorted, double p)
    {
        var position = p * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(sorted.Length - 1, low + 1);
        return sorted[low] + ((position - low) * (sorted[high] - sorted[low]));
    }
}
