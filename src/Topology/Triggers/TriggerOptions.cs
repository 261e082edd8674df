namespace Personalization.Topology.Triggers;

/// <summary>When item and cart triggers fire, and the policy every trigger passes before it is written.</summary>
public sealed class TriggerOptions
{
    /// <summary>Builds the trigger paths (catalog.items in, triggers.outbound out); off leaves both topics unread and unwritten.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long (event time) a view, cart addition or purchase of an item counts as the user's interest in it.</summary>
    public TimeSpan LookBack { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// A price drop fires when the new price is at least this fraction below the price the user saw when they last
    /// showed interest (or below the previous price, where the catalog did not know the item then).
    /// </summary>
    public double PriceDropFraction { get; set; } = 0.10;

    /// <summary>The most users an item remembers as interested; beyond it the oldest interest is dropped (counted).</summary>
    public int MaxUsersPerItem { get; set; } = 20_000;

    /// <summary>The most items a user is remembered as interested in, and the most distinct items in a cart (counted when exceeded).</summary>
    public int MaxItemsPerUser { get; set; } = 100;

    /// <summary>
    /// A repeated view of the same item is passed on to the item's interest index at most this often (cart additions and
    /// purchases always are): the index's interest time may be this much older than the user's latest view.
    /// </summary>
    public TimeSpan InterestRefresh { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A cart with items and no checkout this long (event time) after its last change is abandoned.</summary>
    public TimeSpan CartTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often (wall clock) carts are checked for abandonment, so a user's silence still fires one.</summary>
    public TimeSpan CartCheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>At most this many triggers per user in any 24 hours (event time); 0 sends none.</summary>
    public int MaxPerUserPerDay { get; set; } = 3;

    /// <summary>The same user, item and kind trigger at most once in this period (event time).</summary>
    public TimeSpan DeduplicationPeriod { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often (wall clock) expired interest is swept from the item index, a bounded slice at a time.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    public void Validate()
    {
        foreach (var (name, value) in new[]
        {
            (nameof(LookBack), LookBack), (nameof(CartTimeout), CartTimeout), (nameof(CartCheckInterval), CartCheckInterval),
            (nameof(DeduplicationPeriod), DeduplicationPeriod), (nameof(SweepInterval), SweepInterval),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentException($"{name} must be positive but is {value}.");
            }
        }

        if (InterestRefresh < TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(InterestRefresh)} must not be negative but is {InterestRefresh}.");
        }

        if (PriceDropFraction is <= 0 or >= 1)
        {
            throw new ArgumentException($"{nameof(PriceDropFraction)} must be in (0, 1) but is {PriceDropFraction}.");
        }

        if (MaxUsersPerItem < 1 || MaxItemsPerUser < 1)
        {
            throw new ArgumentException($"{nameof(MaxUsersPerItem)} ({MaxUsersPerItem}) and {nameof(MaxItemsPerUser)} ({MaxItemsPerUser}) must be at least 1.");
        }

        if (MaxPerUserPerDay < 0)
        {
            throw new ArgumentException($"{nameof(MaxPerUserPerDay)} must not be negative but is {MaxPerUserPerDay}.");
        }
    }
}
