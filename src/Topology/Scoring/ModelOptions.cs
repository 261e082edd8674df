namespace Personalization.Topology.Scoring;

/// <summary>Where models are and how often to look for new ones.</summary>
public sealed class ModelOptions
{
    /// <summary>The directory holding <c>&lt;model&gt;-v&lt;N&gt;.zip</c> files (and their cards).</summary>
    public string Directory { get; set; } = "models";

    /// <summary>
    /// The rollout plan's file name in <see cref="Directory"/> (see <see cref="Rollouts.RolloutPlan"/>): pinned serving
    /// versions and shadow or canary candidates, reread with every poll.
    /// </summary>
    public string RolloutFile { get; set; } = "rollouts.json";

    /// <summary>How often the directory is checked for new versions and a changed rollout plan.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory))
        {
            throw new ArgumentException($"{nameof(Directory)} must name the model directory.");
        }

        if (string.IsNullOrWhiteSpace(RolloutFile) || RolloutFile.IndexOfAny(['/', '\\']) >= 0)
        {
            throw new ArgumentException($"{nameof(RolloutFile)} must be a file name in the model directory but is '{RolloutFile}'.");
        }

        if (PollInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(PollInterval)} must be positive but is {PollInterval}.");
        }
    }
}
