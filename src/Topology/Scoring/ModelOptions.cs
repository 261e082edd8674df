namespace Personalization.Topology.Scoring;

/// <summary>Where models are and how often to look for new ones.</summary>
public sealed class ModelOptions
{
    /// <summary>The directory holding <c>&lt;model&gt;-v&lt;N&gt;.zip</c> files (and their cards).</summary>
    public string Directory { get; set; } = "models";

    /// <summary>How often the directory is checked for new versions.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory))
        {
            throw new ArgumentException($"{nameof(Directory)} must name the model directory.");
        }

        if (PollInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(PollInterval)} must be positive but is {PollInterval}.");
        }
    }
}
