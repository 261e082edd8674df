namespace Personalization.Topology.Experiments;

/// <summary>Running experiments and their arms (section "Experiments").</summary>
public sealed class ExperimentOptions
{
    /// <summary>
    /// Each experiment's arms with their weights: <c>Experiments__Arms__&lt;experiment&gt;__&lt;arm&gt;=&lt;weight&gt;</c>.
    /// A user's arm depends only on the experiment's name, the user id and the arms' names and weights.
    /// </summary>
    public Dictionary<string, Dictionary<string, double>> Arms { get; set; } = new(StringComparer.Ordinal);

    public void Validate()
    {
        foreach (var (experiment, arms) in Arms)
        {
            if (arms.Count == 0)
            {
                throw new ArgumentException($"{nameof(Arms)}: experiment '{experiment}' has no arms.");
            }

            foreach (var (arm, weight) in arms)
            {
                if (!double.IsFinite(weight) || weight < 0)
                {
                    throw new ArgumentException($"{nameof(Arms)}: arm '{arm}' of experiment '{experiment}' has weight {weight}; weights are 0 or more.");
                }
            }

            if (arms.Values.Sum() <= 0)
            {
                throw new ArgumentException($"{nameof(Arms)}: the weights of experiment '{experiment}' add up to 0.");
            }
        }
    }
}
