using Personalization.Topology.Evaluation;

namespace Personalization.Topology.Tests.Evaluation;

/// <summary>
/// The estimators against their definitions computed by brute force over the same (weight, reward) pairs, and the
/// properties off-policy evaluation relies on.
/// </summary>
public sealed class PolicyValueTests
{
    private static List<(double W, double R)> Sample(int seed, int count, double zeroShare = 0.3)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(_ => (random.NextDouble() < zeroShare ? 0 : random.NextDouble() * 8, random.Next(4) switch { 0 => 3.0, 1 => 1.0, _ => 0.0 }))
            .ToList();
    }

    private static PolicyValue Accumulate(IEnumerable<(double W, double R)> sample)
    {
        var value = new PolicyValue();
        foreach (var (w, r) in sample)
        {
            value.Add(w, r);
        }

        return value;
    }

    [Theory]
    [InlineData(1, 50)]
    [InlineData(2, 1_000)]
    [InlineData(3, 20_000)]
    public void IPS_SNIPS_their_intervals_and_the_effective_sample_size_match_a_brute_force_computation(int seed, int count)
    {
        var sample = Sample(seed, count);
        var value = Accumulate(sample);

        var n = sample.Count;
        var products = sample.Select(s => s.W * s.R).ToList();
        var ips = products.Average();
        var sd = Math.Sqrt(products.Sum(x => (x - ips) * (x - ips)) / (n - 1));
        var snips = products.Sum() / sample.Sum(s => s.W);
        var snipsSd = Math.Sqrt(sample.Sum(s => s.W * s.W * (s.R - snips) * (s.R - snips))) / sample.Sum(s => s.W);
        var ess = Math.Pow(sample.Sum(s => s.W), 2) / sample.Sum(s => s.W * s.W);

        var (estimate, lower, upper) = value.Ips();
        Assert.Equal(ips, estimate, 9);
        Assert.Equal(ips - (PolicyValue.Z95 * sd / Math.Sqrt(n)), lower, 9);
        Assert.Equal(ips + (PolicyValue.Z95 * sd / Math.Sqrt(n)), upper, 9);
        var (snipsEstimate, snipsLower, snipsUpper) = value.Snips()!.Value;
        Assert.Equal(snips, snipsEstimate, 9);
        Assert.Equal(snips - (PolicyValue.Z95 * snipsSd), snipsLower, 9);
        Assert.Equal(snips + (PolicyValue.Z95 * snipsSd), snipsUpper, 9);
        Assert.Equal(ess, value.EffectiveSampleSize, 9);
        Assert.Equal(n, value.Count);
    }

    [Fact]
    public void Evaluated_against_itself_a_policy_has_weight_1_everywhere_so_IPS_is_its_mean_reward_and_the_sample_is_all_effective()
    {
        var rewards = Sample(7, 500).Select(s => s.R).ToList();
        var value = Accumulate(rewards.Select(r => (1.0, r)));

        Assert.Equal(rewards.Average(), value.Ips().Estimate, 12);
        Assert.Equal(rewards.Average(), value.Snips()!.Value.Estimate, 12);
        Assert.Equal(500, value.EffectiveSampleSize, 9);
    }

    [Fact]
    public void A_policy_that_never_chooses_the_logged_action_contributes_zero_and_has_no_self_normalized_estimate()
    {
        var value = Accumulate(Sample(9, 300).Select(s => (0.0, s.R)));

        Assert.Equal((0.0, 0.0, 0.0), value.Ips());
        Assert.Null(value.Snips());
        Assert.Equal(0, value.EffectiveSampleSize);
    }

    [Fact]
    public void Decisions_the_candidate_would_not_have_made_add_nothing_to_its_IPS_sum_but_count_in_its_denominator()
    {
        var chosen = Sample(11, 200, zeroShare: 0);
        var withOthers = chosen.Concat(Enumerable.Repeat((0.0, 3.0), 200)).ToList();

        Assert.Equal(Accumulate(chosen).Ips().Estimate / 2, Accumulate(withOthers).Ips().Estimate, 12);
        Assert.Equal(Accumulate(chosen).Snips()!.Value.Estimate, Accumulate(withOthers).Snips()!.Value.Estimate, 12);
    }
}
