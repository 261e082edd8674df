using Personalization.Topology.Records;
using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.State;

namespace Personalization.Topology.Triggers;

/// <summary>
/// The item side of item triggers, keyed by item id. It keeps each item's interest index (the users who viewed, carted
/// or bought it, bounded by <see cref="TriggerOptions.MaxUsersPerItem"/>) and, on a catalog change that lowers the price
/// or brings the item back in stock, fires one candidate per interested user, re-keyed by user for the policy:
/// <list type="bullet">
/// <item>BACK_IN_STOCK: out of stock before, in stock now;</item>
/// <item>PRICE_DROP: in stock and cheaper than before, and at least <see cref="TriggerOptions.PriceDropFraction"/> below the
/// price the user saw when they last showed interest (the previous price where the catalog did not know the item then);</item>
/// <item>only for interest shown at or before the change and within <see cref="TriggerOptions.LookBack"/> of it, and not
/// for a user who bought the item since.</item>
/// </list>
/// Interest older than the look-back is swept from the index a slice at a time on the wall clock.
/// </summary>
public sealed class ItemTriggerProcessor(TriggerOptions options) : IProcessor<string, ItemInput, string, TriggerCandidate>
{
    public const string WatchStore = "trigger-item-watch";
    public const string InterestStore = "trigger-item-interest";

    /// <summary>Index entries looked at per sweep: a bounded slice, so a sweep never stalls the task.</summary>
    internal const int SweepBatch = 5_000;

    private readonly long _lookBackMs = (long)options.LookBack.TotalMilliseconds;
    private readonly List<string> _expired = [];
    private readonly List<(string Key, long At)> _byAge = [];
    private IProcessorContext<string, TriggerCandidate> _context = null!;
    private IKeyValueStore<string, ItemWatch> _watches = null!;
    private IKeyValueStore<string, InterestEntry> _interest = null!;
    private Counter _itemCap = null!;
    private string? _sweepFrom;

    public void Init(IProcessorContext<string, TriggerCandidate> context)
    {
        _context = context;
        _watches = context.GetStateStore<IKeyValueStore<string, ItemWatch>>(WatchStore);
        _interest = context.GetStateStore<IKeyValueStore<string, InterestEntry>>(InterestStore);
        _itemCap = context.Metrics.Counter(TriggerMetrics.InterestDropped, "item_cap");
        context.Schedule(options.SweepInterval, PunctuationType.WallClockTime, _ => Sweep());
    }

    public void Process(Record<string, ItemInput> record)
    {
        if (record.Key is not { } item || record.Value is not { } input)
        {
            return;
        }

        if (input.Interest is { } interest)
        {
            Record(item, interest);
        }
        else if (input.Update is { } update)
        {
            Evaluate(record, item, update);
        }
        else
        {
            Remove(item);
        }
    }

    public void Close()
    {
    }

    private void Record(string item, ItemInterest interest)
    {
        var key = InterestEntry.Key(item, interest.UserId);
        var entry = _interest.Get(key);
        var watch = _watches.Get(item) ?? new ItemWatch(0, null, null);
        switch (interest.Kind)
        {
            case InterestKind.Withdrawn:
                if (entry is not null)
                {
                    _interest.Delete(key);
                    _watches.Put(item, watch with { Users = Math.Max(0, watch.Users - 1) });
                }

                return;
            case InterestKind.Purchased:
                if (entry is not null && interest.At > (entry.PurchasedAt ?? long.MinValue))
                {
                    _interest.Put(key, entry with { PurchasedAt = interest.At });
                }

                return;
        }

        if (entry is null)
        {
            _interest.Put(key, new InterestEntry(interest.At, interest.PriceSeen, null));
            watch = watch with { Users = watch.Users + 1 };
            _watches.Put(item, watch.Users > options.MaxUsersPerItem ? watch with { Users = Prune(item, interest.At) } : watch);
        }
        else if (interest.At >= entry.LastInterestAt)
        {
            _interest.Put(key, entry with { LastInterestAt = interest.At, PriceSeen = interest.PriceSeen });
        }
    }

    private void Evaluate(Record<string, ItemInput> record, string item, ItemUpdate update)
    {
        var watch = _watches.Get(item);
        var restock = watch?.InStock == false && update.InStock;
        var drop = !restock && update.InStock && watch?.Price is { } previous && update.Price < previous;
        _watches.Put(item, new ItemWatch(watch?.Users ?? 0, update.Price, update.InStock));
        if ((!restock && !drop) || watch is not { Users: > 0 })
        {
            return;
        }

        var kind = restock ? TriggerKind.BackInStock : TriggerKind.PriceDrop;
        var changedAt = update.UpdatedAt.ToUnixTimeMilliseconds();
        var cause = $"catalog:{item}@{changedAt}";
        var (from, to) = InterestEntry.KeysOf(item);
        _expired.Clear();
        foreach (var (key, entry) in _interest.Range(from, to))
        {
            if (entry.LastInterestAt < changedAt - _lookBackMs)
            {
                _expired.Add(key);
                Suppressed(kind, "look_back").Increment();
                continue;
            }

            if (entry.LastInterestAt > changedAt)
            {
                continue;
            }

            if (entry.PurchasedAt >= entry.LastInterestAt)
            {
                Suppressed(kind, "purchased").Increment();
                continue;
            }

            var reference = entry.PriceSeen ?? watch.Price;
            if (drop && update.Price > reference * (1 - options.PriceDropFraction))
            {
                continue;
            }

            var user = InterestEntry.UserOf(key);
            var trigger = new Trigger
            {
                TriggerId = Trigger.IdOf(kind, user, cause),
                UserId = user,
                Kind = kind,
                Items = [new TriggerItem(item, update.Name, update.Category, update.Price)],
                OldPrice = drop ? reference : null,
                NewPrice = update.Price,
                Currency = update.Currency,
                InterestAt = DateTimeOffset.FromUnixTimeMilliseconds(entry.LastInterestAt),
                Cause = cause,
                CauseTime = update.UpdatedAt,
                CreatedAt = update.UpdatedAt,
            };
            _context.Forward(new Record<string, TriggerCandidate>(user, new TriggerCandidate(trigger), changedAt, record.Headers));
        }

        Delete(_expired);
    }

    /// <summary>Drops expired interest of a full item, then its oldest beyond nine tenths of the bound; returns the users left.</summary>
    private int Prune(string item, long now)
    {
        _byAge.Clear();
        _expired.Clear();
        var (from, to) = InterestEntry.KeysOf(item);
        foreach (var (key, entry) in _interest.Range(from, to))
        {
            if (entry.LastInterestAt < now - _lookBackMs)
            {
                _expired.Add(key);
            }
            else
            {
                _byAge.Add((key, entry.LastInterestAt));
            }
        }

        var keep = options.MaxUsersPerItem - options.MaxUsersPerItem / 10;
        if (_byAge.Count > keep)
        {
            _byAge.Sort((a, b) => a.At.CompareTo(b.At));
            for (var i = 0; i < _byAge.Count - keep; i++)
            {
                _expired.Add(_byAge[i].Key);
                _itemCap.Increment();
            }
        }

        foreach (var key in _expired)
        {
            _interest.Delete(key);
        }

        return Math.Min(_byAge.Count, keep);
    }

    private void Remove(string item)
    {
        _expired.Clear();
        var (from, to) = InterestEntry.KeysOf(item);
        foreach (var (key, _) in _interest.Range(from, to))
        {
            _expired.Add(key);
        }

        foreach (var key in _expired)
        {
            _interest.Delete(key);
        }

        _watches.Delete(item);
    }

    /// <summary>Looks at the next slice of the whole index and deletes interest older than the look-back before stream time.</summary>
    private void Sweep()
    {
        var now = _context.CurrentStreamTimeMs;
        if (now < 0)
        {
            return;
        }

        _expired.Clear();
        var seen = 0;
        string? last = null;
        foreach (var (key, entry) in _interest.Range(_sweepFrom, null))
        {
            if (++seen > SweepBatch)
            {
                break;
            }

            last = key;
            if (entry.LastInterestAt < now - _lookBackMs)
            {
                _expired.Add(key);
            }
        }

        _sweepFrom = seen > SweepBatch ? last + '\0' : null;
        Delete(_expired);
    }

    /// <summary>Deletes index entries and lowers their items' user counts.</summary>
    private void Delete(List<string> keys)
    {
        string? item = null;
        var removed = 0;
        foreach (var key in keys)
        {
            var of = InterestEntry.ItemOf(key);
            if (item is not null && !string.Equals(of, item, StringComparison.Ordinal))
            {
                LowerCount(item, removed);
                removed = 0;
            }

            item = of;
            removed++;
            _interest.Delete(key);
        }

        if (item is not null)
        {
            LowerCount(item, removed);
        }
    }

    private void LowerCount(string item, int removed)
    {
        if (_watches.Get(item) is { } watch)
        {
            _watches.Put(item, watch with { Users = Math.Max(0, watch.Users - removed) });
        }
    }

    private Counter Suppressed(TriggerKind kind, string reason) => _context.Metrics.Counter(TriggerMetrics.Suppressed, Symbols.Of(kind), reason);
}
