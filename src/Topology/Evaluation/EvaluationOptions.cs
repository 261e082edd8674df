using System.Globalization;

namespace Personalization.Topology.Evaluation;

/// <summary>Live off-policy evaluation of bandit policies (section "Evaluation").</summary>
public sealed class EvaluationOptions
{
    /// <summary>Whether training records are evaluated and estimates written to <c>bandit.evaluation</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The tumbling windows of decision time that estimates cover.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How many of the latest windows are kept; older ones are dropped.</summary>
    public int WindowsKept { get; set; } = 24;

    /// <summary>How often (wall-clock) the estimates of windows that received records are written and exported.</summary>
    public TimeSpan EmitInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Baseline candidates: <c>uniform</c>, and <c>always-rank-k</c> for the action at position k of the logged ranking.</summary>
    public List<string> Baselines { get; set; } = [UniformRandomPolicy.Name, AlwaysRankPolicy.Prefix + "0"];

    /// <summary>A directory of policy files (<c>*.json</c>) evaluated as candidates and reread when they change; none when unset.</summary>
    public string? PolicyDirectory { get; set; }

    /// <summary>The baseline policies named in <see cref="Baselines"/>.</summary>
    public IReadOnlyList<ICandidatePolicy> BaselinePolicies() => Baselines.Select(Baseline).ToList();

    public void Validate()
    {
        if (Window <= TimeSpan.Zero || EmitInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(Window)} and {nameof(EmitInterval)} must be positive but are {Window} and {EmitInterval}.");
        }

        if (WindowsKept < 1)
        {
            throw new ArgumentException($"{nameof(WindowsKept)} must be at least 1 but is {WindowsKept}.");
        }

        var duplicate = Baselines.GroupBy(name => name, StringComparer.Ordinal).FirstOrDefault(group => group.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"{nameof(Baselines)} names '{duplicate.Key}' twice.");
        }

        foreach (var name in Baselines)
        {
            Baseline(name);
        }
    }

    private static ICandidatePolicy Baseline(string name) =>
        name == UniformRandomPolicy.Name ? new UniformRandomPolicy()
        : name.StartsWith(AlwaysRankPolicy.Prefix, StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(AlwaysRankPolicy.Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var rank)
            ? new AlwaysRankPolicy(rank)
            : throw new ArgumentException($"{nameof(Baselines)}: unknown baseline '{name}'; the baselines are '{UniformRandomPolicy.Name}' and '{AlwaysRankPolicy.Prefix}<k>'.");
}
