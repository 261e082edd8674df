using Personalization.Training.Evaluation;

namespace Personalization.Training.Tests;

public sealed class HeldOutEvaluatorTests
{
    [Fact]
    public void Each_metric_matches_a_brute_force_computation_and_constant_scores_give_the_base_rate()
    {
        var random = new Random(5);
        var labels = Enumerable.Range(0, 600).Select(_ => random.NextDouble() < 0.1).ToArray();
        // Coarse scores, so ties are common and must be handled as one threshold.
        var scores = labels.Select(l => (float)Math.Round((random.NextDouble() + (l ? 0.3 : 0)) * 10) / 10).ToArray();
        var users = Enumerable.Range(0, labels.Length).Select(i => i / 3).ToArray();
        var rate = (float)labels.Average(l => l ? 1.0 : 0);

        var (scorers, comparison) = new HeldOutEvaluator(0.5, 100, 1).Evaluate(labels, users,
            [("model", scores), ("base rate", Enumerable.Repeat(rate, labels.Length).ToArray())]);

        var model = scorers[0];
        Assert.Equal(BruteForceRocAuc(scores, labels), model.RocAuc.Value, 9);
        Assert.Equal(BruteForceAveragePrecision(scores, labels), model.PrAuc.Value, 9);
        Assert.Equal(BruteForceRecallAtPrecision(scores, labels, 0.5), model.RecallAtPrecision.Value, 9);
        Assert.InRange(model.RocAuc.Value, model.RocAuc.Lower, model.RocAuc.Upper);
        Assert.True(model.RocAuc.Upper - model.RocAuc.Lower > 0.01, "a sample of 600 must leave a visible interval");

        var baseRate = scorers[1];
        Assert.Equal(0.5, baseRate.RocAuc.Value, 9);
        Assert.Equal(rate, baseRate.PrAuc.Value, 6);
        Assert.Equal("base rate", comparison.Baseline);
        Assert.True(comparison.BeatsBeyondInterval);
    }

    [Fact]
    public void A_scorer_compared_with_itself_differs_by_exactly_zero_on_every_resample()
    {
        var random = new Random(9);
        var labels = Enumerable.Range(0, 300).Select(_ => random.NextDouble() < 0.2).ToArray();
        var scores = labels.Select(_ => random.NextSingle()).ToArray();

        var (_, comparison) = new HeldOutEvaluator(0.8, 50, 2).Evaluate(labels, Enumerable.Range(0, 300).ToArray(), [("model", scores), ("copy", scores)]);

        Assert.Equal(new MetricInterval(0, 0, 0), comparison.PrAucDifference);
        Assert.False(comparison.BeatsOnPrAuc);
    }

    [Fact]
    public void Resampling_users_rather_than_examples_widens_the_interval_when_a_users_examples_are_alike()
    {
        var random = new Random(13);
        var userLabels = Enumerable.Range(0, 100).Select(_ => random.NextDouble() < 0.3).ToArray();
        var users = Enumerable.Range(0, 1000).Select(i => i / 10).ToArray();
        var userScores = userLabels.Select(l => random.NextSingle() + (l ? 0.2f : 0)).ToArray();
        var labels = users.Select(u => userLabels[u]).ToArray();
        var scores = users.Select(u => userScores[u] + (0.01f * random.NextSingle())).ToArray();

        var clustered = new HeldOutEvaluator(0.8, 200, 3).Evaluate(labels, users, [("model", scores), ("none", new float[1000])]).Scorers[0].RocAuc;
        var independent = new HeldOutEvaluator(0.8, 200, 3).Evaluate(labels, Enumerable.Range(0, 1000).ToArray(), [("model", scores), ("none", new float[1000])]).Scorers[0].RocAuc;

        Assert.Equal(clustered.Value, independent.Value, 12);
        Assert.True(clustered.Upper - clustered.Lower > 1.5 * (independent.Upper - independent.Lower),
            $"clustered {clustered.Format("F3")} should be much wider than independent {independent.Format("F3")}");
    }

    private static double BruteForceRocAuc(float[] scores, bool[] labels)
    {
        double wins = 0, pairs = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            for (var j = 0; j < scores.Length; j++)
            {
                if (labels[i] && !labels[j])
                {
                    pairs++;
                    wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
                }
            }
        }

        return wins / pairs;
    }

    /// <summary>Σ over thresholds t (each distinct score) of precision(≥ t) × the share of positives scored exactly t.</summary>
    private static double BruteForceAveragePrecision(float[] scores, bool[] labels)
    {
        var positives = labels.Count(l => l);
        return scores.Distinct().Sum(t =>
        {
            var above = Enumerable.Range(0, scores.Length).Where(i => scores[i] >= t).ToList();
            var precision = above.Count(i => labels[i]) / (double)above.Count;
            return precision * Enumerable.Range(0, scores.Length).Count(i => scores[i] == t && labels[i]) / positives;
        });
    }

    private static double BruteForceRecallAtPrecision(float[] scores, bool[] labels, double target)
    {
        var positives = labels.Count(l => l);
        return scores.Distinct().Select(t =>
        {
            var above = Enumerable.Range(0, scores.Length).Where(i => scores[i] >= t).ToList();
            var truePositives = above.Count(i => labels[i]);
            return truePositives / (double)above.Count >= target ? truePositives / (double)positives : 0;
        }).Max();
    }
}
