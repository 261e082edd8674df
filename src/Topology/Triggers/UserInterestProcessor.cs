using Personalization.Topology.Records;
using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.State;

namespace Personalization.Topology.Triggers;

/// <summary>
/// The user side of item triggers: turns a user's product views, cart additions and purchases into interest records
/// re-keyed by item, for the item's interest index. Each user's list of items is bounded by
/// <see cref="TriggerOptions.MaxItemsPerUser"/> (the oldest item is withdrawn from its index); repeated views of an item
/// are passed on at most every <see cref="TriggerOptions.InterestRefresh"/>. A forgotten user is withdrawn from every
/// item they were indexed under.
/// </summary>
public sealed class UserInterestProcessor(TriggerOptions options) : IProcessor<string, UserInput, string, ItemInterest>
{
    public const string Store = "trigger-user-items";

    private readonly long _refreshMs = (long)options.InterestRefresh.TotalMilliseconds;
    private readonly long _lookBackMs = (long)options.LookBack.TotalMilliseconds;
    private IProcessorContext<string, ItemInterest> _context = null!;
    private IKeyValueStore<string, UserItems> _store = null!;
    private Counter _userCap = null!;

    public void Init(IProcessorContext<string, ItemInterest> context)
    {
        _context = context;
        _store = context.GetStateStore<IKeyValueStore<string, UserItems>>(Store);
        _userCap = context.Metrics.Counter(TriggerMetrics.InterestDropped, "user_cap");
    }

    public void Process(Record<string, UserInput> record)
    {
        if (record.Key is not { } user || record.Value is not { } input)
        {
            return;
        }

        if (input.Forget)
        {
            Forget(record, user);
            return;
        }

        if (input.Click is not { ItemId: { } item } click || KindOf(click.Type) is not { } kind)
        {
            return;
        }

        var at = click.Timestamp.ToUnixTimeMilliseconds();
        var items = _store.Get(user) ?? new UserItems();
        var index = items.IndexOf(item);
        if (index >= 0)
        {
            var known = items.Items[index];
            if (kind == InterestKind.Viewed && known.Kind == InterestKind.Viewed && at - known.LastSent < _refreshMs)
            {
                return;
            }

            items.Items.RemoveAt(index);
        }

        items.Items.RemoveAll(entry => entry.LastSent < at - _lookBackMs);
        items.Items.Add(new UserItems.Entry(item, at, kind));
        _context.Forward(record.With(item, new ItemInterest(user, kind, at)));
        while (items.Items.Count > options.MaxItemsPerUser)
        {
            var oldest = OldestIndex(items);
            _context.Forward(record.With(items.Items[oldest].Item, new ItemInterest(user, InterestKind.Withdrawn, at)));
            items.Items.RemoveAt(oldest);
            _userCap.Increment();
        }

        _store.Put(user, items);
    }

    public void Close()
    {
    }

    /// <summary>The interest a clickstream event shows in its item, or null when it shows none.</summary>
    internal static InterestKind? KindOf(EventType type) => type switch
    {
        EventType.ProductView => InterestKind.Viewed,
        EventType.AddToCart => InterestKind.Carted,
        EventType.Purchase => InterestKind.Purchased,
        _ => null,
    };

    private void Forget(Record<string, UserInput> record, string user)
    {
        if (_store.Get(user) is not { } items)
        {
            return;
        }

        foreach (var entry in items.Items)
        {
            _context.Forward(record.With(entry.Item, new ItemInterest(user, InterestKind.Withdrawn, record.Timestamp)));
        }

        _store.Delete(user);
    }

    private static int OldestIndex(UserItems items)
    {
        var oldest = 0;
        for (var i = 1; i < items.Items.Count; i++)
        {
            if (items.Items[i].LastSent < items.Items[oldest].LastSent)
            {
                oldest = i;
            }
        }

        return oldest;
    }
}
