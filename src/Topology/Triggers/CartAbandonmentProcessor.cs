using Personalization.Topology.Records;
using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.State;

namespace Personalization.Topology.Triggers;

/// <summary>
/// Customer triggers: follows each user's cart (additions, removals; a checkout or purchase closes it) and fires
/// CART_ABANDONED when <see cref="TriggerOptions.CartTimeout"/> passes after its last change without a checkout: in event
/// time (the user's next event, or the task's stream time, past the cart's last change plus the timeout), or on the wall
/// clock since the worker processed that change, so a user's silence still fires it. Both are checked every
/// <see cref="TriggerOptions.CartCheckInterval"/>. The wall-clock deadline counts from processing, not from event time:
/// a worker catching up on a backlog must not call carts abandoned whose checkout it has yet to read; after a restart it
/// counts from the restart. Forget requests are passed on to the policy.
/// </summary>
public sealed class CartAbandonmentProcessor(TriggerOptions options) : IProcessor<string, UserInput, string, TriggerCandidate>
{
    public const string Store = "trigger-carts";

    private readonly long _timeoutMs = (long)options.CartTimeout.TotalMilliseconds;

    // Open carts by their event-time and wall-clock deadlines, rebuilt when the task starts (the store holds open carts only).
    private readonly DeadlineIndex _deadlines = new();
    private readonly List<string> _due = [];
    private IProcessorContext<string, TriggerCandidate> _context = null!;
    private IKeyValueStore<string, Cart> _carts = null!;
    private Counter _userCap = null!;

    public void Init(IProcessorContext<string, TriggerCandidate> context)
    {
        _context = context;
        _carts = context.GetStateStore<IKeyValueStore<string, Cart>>(Store);
        _userCap = context.Metrics.Counter(TriggerMetrics.InterestDropped, "user_cap");
        foreach (var (user, cart) in _carts.All())
        {
            Index(user, cart.LastChangeAt + _timeoutMs);
        }

        context.Schedule(options.CartCheckInterval, PunctuationType.WallClockTime, FireDue);
    }

    public void Process(Record<string, UserInput> record)
    {
        if (record.Key is not { } user || record.Value is not { } input)
        {
            return;
        }

        if (input.Forget)
        {
            Close(user);
            _context.Forward(record.WithValue(TriggerCandidate.ForgetUser));
            return;
        }

        if (input.Click is not { } click)
        {
            return;
        }

        var at = click.Timestamp.ToUnixTimeMilliseconds();
        // Most events are of users without an open cart: the in-memory index answers for them without a store read.
        var cart = _deadlines.Contains(user) ? _carts.Get(user) : null;
        if (cart is not null && at > cart.LastChangeAt + _timeoutMs)
        {
            Fire(user, cart, record.Headers);
            cart = null;
        }

        switch (click.Type)
        {
            case EventType.AddToCart when click.ItemId is { } item:
                cart ??= new Cart();
                var index = cart.IndexOf(item);
                if (index < 0 && cart.Lines.Count >= options.MaxItemsPerUser)
                {
                    _userCap.Increment();
                    return;
                }

                var quantity = Math.Max(1, click.Quantity ?? 1);
                if (index < 0)
                {
                    cart.Lines.Add(new Cart.Line(item, click.Category, click.Price, quantity));
                }
                else
                {
                    var line = cart.Lines[index];
                    cart.Lines[index] = line with { Quantity = line.Quantity + quantity, Price = click.Price ?? line.Price, Category = click.Category ?? line.Category };
                }

                Changed(user, cart, click.EventId, at);
                return;
            case EventType.RemoveFromCart when click.ItemId is { } item && cart?.IndexOf(item) is int removedAt and >= 0:
                var removed = cart.Lines[removedAt];
                var left = click.Quantity is { } units ? removed.Quantity - units : 0;
                if (left > 0)
                {
                    cart.Lines[removedAt] = removed with { Quantity = left };
                }
                else
                {
                    cart.Lines.RemoveAt(removedAt);
                }

                if (cart.Lines.Count == 0)
                {
                    Close(user);
                }
                else
                {
                    Changed(user, cart, click.EventId, at);
                }

                return;
            case EventType.CheckoutStart or EventType.Purchase when cart is not null:
                Close(user);
                return;
        }
    }

    public void Close()
    {
    }

    private void Changed(string user, Cart cart, string eventId, long at)
    {
        if (at >= cart.LastChangeAt)
        {
            cart.LastChangeAt = at;
            cart.LastEventId = eventId;
        }

        _carts.Put(user, cart);
        Index(user, cart.LastChangeAt + _timeoutMs);
    }

    private void FireDue(long wallClock)
    {
        _due.Clear();
        _deadlines.TakeDue(_context.CurrentStreamTimeMs, wallClock, _due);
        foreach (var user in _due)
        {
            if (_carts.Get(user) is { } cart)
            {
                Fire(user, cart, headers: null);
            }
        }
    }

    private void Fire(string user, Cart cart, Confluent.Kafka.Headers? headers)
    {
        var deadline = cart.LastChangeAt + _timeoutMs;
        var items = new TriggerItem[cart.Lines.Count];
        var value = 0.0;
        for (var i = 0; i < items.Length; i++)
        {
            var line = cart.Lines[i];
            items[i] = new TriggerItem(line.Item, null, line.Category, line.Price, line.Quantity);
            value += (line.Price ?? 0) * line.Quantity;
        }

        var at = DateTimeOffset.FromUnixTimeMilliseconds(deadline);
        var trigger = new Trigger
        {
            TriggerId = Trigger.IdOf(TriggerKind.CartAbandoned, user, cart.LastEventId),
            UserId = user,
            Kind = TriggerKind.CartAbandoned,
            Items = items,
            CartValue = Math.Round(value, 2),
            InterestAt = DateTimeOffset.FromUnixTimeMilliseconds(cart.LastChangeAt),
            Cause = cart.LastEventId,
            CauseTime = at,
            CreatedAt = at,
        };
        Close(user);
        _context.Forward(new Record<string, TriggerCandidate>(user, new TriggerCandidate(trigger), deadline, headers));
    }

    private void Close(string user)
    {
        _carts.Delete(user);
        _deadlines.Remove(user);
    }

    private void Index(string user, long eventDeadline) => _deadlines.Add(user, eventDeadline, _context.CurrentSystemTimeMs + _timeoutMs);
}
