namespace Personalization.Topology.Triggers;

/// <summary>What a user did with an item, as the item's interest index learns it.</summary>
public enum InterestKind
{
    Viewed,
    Carted,
    Purchased,

    /// <summary>The user is to be dropped from the item's index: forgotten, or the item fell out of the user's bounded list.</summary>
    Withdrawn,
}
