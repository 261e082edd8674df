using System.Globalization;
using Personalization.Topology.Records;

namespace Personalization.Topology.Evaluation;

/// <summary>
/// The baseline that always shows the action at one position of the logged ranking (<c>always-rank-0</c>: the logged
/// policy's top-ranked action, without its exploration); the last action when a decision has fewer.
/// </summary>
public sealed class AlwaysRankPolicy(int rank) : ICandidatePolicy
{
    public const string Prefix = "always-rank-";

    public int Rank { get; } = rank >= 0 ? rank : throw new ArgumentOutOfRangeException(nameof(rank), rank, "A rank is 0 or more.");

    public string Id => Prefix + Rank.ToString(CultureInfo.InvariantCulture);

    public double ProbabilityOfChosen(TrainingRecord decision)
    {
        var actions = decision.Actions;
        if (actions.Count == 0)
        {
            return 0;
        }

        return actions[Math.Min(Rank, actions.Count - 1)] == decision.ChosenAction ? 1 : 0;
    }
}
