using Personalization.Topology.Records;

namespace Personalization.Topology.Triggers;

/// <summary>One record for an item's trigger state, keyed by item id: a catalog change, or a user's interest in the item.</summary>
public sealed record ItemInput
{
    private ItemInput()
    {
    }

    /// <summary>The item's new catalog state; null with <see cref="Interest"/> null when the catalog removed the item.</summary>
    public ItemUpdate? Update { get; private init; }

    public ItemInterest? Interest { get; private init; }

    public static ItemInput Of(ItemUpdate? update) => new() { Update = update };

    public static ItemInput Of(ItemInterest interest) => new() { Interest = interest };
}
