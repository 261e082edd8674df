namespace Personalization.Simulation;

/// <summary>The shape of the synthetic clickstream.</summary>
public sealed class GeneratorOptions
{
    /// <summary>The same seed gives the same stream, record for record.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Distinct users (a few are far more active than most).</summary>
    public int Users { get; set; } = 100_000;

    /// <summary>Sessions starting per second of event time.</summary>
    public double SessionsPerSecond { get; set; } = 20;

    /// <summary>The event time of the first session.</summary>
    public DateTimeOffset Start { get; set; } = DateTimeOffset.UnixEpoch.AddYears(56);

    /// <summary>The share of users who are fraudsters.</summary>
    public double FraudsterShare { get; set; } = 0.02;

    /// <summary>The share of page and product views on which the bandit decides what to show.</summary>
    public double DecisionShare { get; set; } = 0.1;

    /// <summary>The share of decisions that also get an explicit reward on bandit.rewards.</summary>
    public double ExplicitRewardShare { get; set; } = 0.3;

    /// <summary>Products in the catalogue, and their categories.</summary>
    public int Items { get; set; } = 20_000;

    public int Categories { get; set; } = 200;

    /// <summary>
    /// Catalog changes per minute of event time on catalog.items (price drops and rises, stock-outs and restocks, mostly
    /// of popular items). Each item's state is also published once, just before its first view; 0 publishes no catalog.
    /// </summary>
    public double CatalogChangesPerMinute { get; set; } = 30;

    public void Validate()
    {
        if (Users < 1)
        {
            throw new ArgumentException($"{nameof(Users)} must be at least 1 but is {Users}.");
        }

        if (SessionsPerSecond <= 0)
        {
            throw new ArgumentException($"{nameof(SessionsPerSecond)} must be positive but is {SessionsPerSecond}.");
        }

        foreach (var (name, share) in new[] { (nameof(FraudsterShare), FraudsterShare), (nameof(DecisionShare), DecisionShare), (nameof(ExplicitRewardShare), ExplicitRewardShare) })
        {
            if (share is < 0 or > 1)
            {
                throw new ArgumentException($"{name} must be in [0, 1] but is {share}.");
            }
        }

        if (CatalogChangesPerMinute < 0)
        {
            throw new ArgumentException($"{nameof(CatalogChangesPerMinute)} must not be negative but is {CatalogChangesPerMinute}.");
        }

        if (Items < 1 || Categories < 1)
        {
            throw new ArgumentException($"{nameof(Items)} and {nameof(Categories)} must be at least 1.");
        }
    }
}
