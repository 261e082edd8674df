using Personalization.Topology.Records;

namespace Personalization.Topology;

/// <summary>
/// One record from any of the topology's co-partitioned input topics (all keyed by user id), so the processors that
/// own a user's state see the user's clicks, decisions, rewards and forget requests in one task, in arrival order.
/// </summary>
public sealed record UserInput
{
    private UserInput()
    {
    }

    public ClickEvent? Click { get; private init; }

    public Decision? Decision { get; private init; }

    public Reward? Reward { get; private init; }

    /// <summary>A request on <c>users.forget</c> to remove the user (the record key) everywhere.</summary>
    public bool Forget { get; private init; }

    public static UserInput Of(ClickEvent click) => new() { Click = click };

    public static UserInput Of(Decision decision) => new() { Decision = decision };

    public static UserInput Of(Reward reward) => new() { Reward = reward };

    public static UserInput ForgetUser { get; } = new() { Forget = true };
}
