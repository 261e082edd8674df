using System.Collections;
using System.Globalization;
using Personalization.Topology.Records;

namespace Personalization.Simulation;

/// <summary>
/// A deterministic synthetic clickstream. Sessions arrive as a Poisson process in event time; a few heavy users and a
/// long tail of occasional ones; each session runs a browse → product view → cart → checkout → purchase funnel that
/// converts a few percent of sessions, more for users with a higher latent affinity. Some sessions arrive from email
/// or ads. A small share of users are fraudsters: new accounts, rotating devices, IPs and countries, address changes,
/// expensive carts and failing payments; the signals are noisy and overlap with normal users (who also travel, fail
/// payments and change addresses now and then). The bandit decides what to show on a share of views, with logged
/// probabilities; what the user does next is the reward, and some decisions also get an explicit reward.
/// </summary>
public sealed class ClickstreamGenerator(GeneratorOptions options) : IEnumerable<GeneratedRecord>
{
    private static readonly string[] Countries = ["DE", "FR", "GB", "US", "NL", "PL", "ES", "IT", "SE", "AT", "BR", "NG", "RU", "VN"];

    public IEnumerator<GeneratedRecord> GetEnumerator()
    {
        options.Validate();
        var random = new Random(options.Seed);
        var users = new UserProfiles(options, random);
        var catalogue = new Catalogue(options, random);
        var active = new PriorityQueue<IEnumerator<GeneratedRecord>, long>();
        var clock = options.Start.ToUnixTimeMilliseconds();
        var nextSession = clock;
        var sessionSerial = 0L;
        // Catalog changes draw from a random of their own, so that the sessions are the same with or without them.
        var catalogRandom = new Random(options.Seed + 1);
        var nextChange = options.CatalogChangesPerMinute > 0 ? clock + NextGap(catalogRandom, options.CatalogChangesPerMinute / 60) : long.MaxValue;
        while (true)
        {
            while (catalogue.Pending.TryDequeue(out var published))
            {
                yield return new GeneratedRecord(null, null, null, false, published);
            }

            if (active.TryPeek(out _, out var next) && nextChange <= Math.Min(next, nextSession))
            {
                if (catalogue.Change(catalogRandom, nextChange) is { } change)
                {
                    yield return new GeneratedRecord(null, null, null, false, change);
                }

                nextChange += NextGap(catalogRandom, options.CatalogChangesPerMinute / 60);
                continue;
            }

            while (active.Count == 0 || active.TryPeek(out _, out var earliest) && nextSession <= earliest)
            {
                var user = users.Pick(random);
                var session = new SessionScript(options, users, catalogue, user, sessionSerial++, nextSession, new Random(random.Next())).Run().GetEnumerator();
                if (session.MoveNext())
                {
                    active.Enqueue(session, session.Current.Timestamp.ToUnixTimeMilliseconds());
                }

                nextSession += (long)Math.Max(1, -Math.Log(1 - random.NextDouble()) / options.SessionsPerSecond * 1000);
            }

            var running = active.Dequeue();
            var record = running.Current;
            if (record.Event is { ItemId: not null } viewed && options.CatalogChangesPerMinute > 0)
            {
                // The catalog publishes an item's state before anyone looks at it, so a later change has something to
                // differ from; and the event shows the price of its moment (sessions run ahead of catalog changes).
                catalogue.Publish(viewed.ItemId, viewed.Timestamp);
                while (catalogue.Pending.TryDequeue(out var published))
                {
                    yield return new GeneratedRecord(null, null, null, false, published);
                }

                record = record with { Event = viewed with { Price = UnitPrice(catalogue.Price(viewed.ItemId), record.UserIsFraudster, viewed.Type) } };
            }

            yield return record;
            if (running.MoveNext())
            {
                active.Enqueue(running, running.Current.Timestamp.ToUnixTimeMilliseconds());
            }
        }
    }

    /// <summary>What an event shows as the unit price: fraudsters cart and pay for items at twice the list price.</summary>
    private static double UnitPrice(double listPrice, bool fraudster, EventType type) =>
        Math.Round(listPrice * (fraudster && type != EventType.ProductView ? 2 : 1), 2);

    private static long NextGap(Random random, double perSecond) => (long)Math.Max(1, -Math.Log(1 - random.NextDouble()) / perSecond * 1000);

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Per-user traits drawn once from the seed.</summary>
    private sealed class UserProfiles
    {
        private readonly int _count;

        public UserProfiles(GeneratorOptions options, Random random)
        {
            _count = options.Users;
            IsFraudster = new bool[_count];
            Affinity = new double[_count];
            HomeCountry = new byte[_count];
            ManyDevices = new bool[_count];
            RotatingIp = new bool[_count];
            for (var i = 0; i < _count; i++)
            {
                IsFraudster[i] = random.NextDouble() < options.FraudsterShare;
                ManyDevices[i] = random.NextDouble() < 0.08;
                RotatingIp[i] = random.NextDouble() < 0.12;
                Affinity[i] = Math.Exp(random.NextDouble() * 2 - 1.5);
                HomeCountry[i] = (byte)(random.NextDouble() < 0.8 ? random.Next(4) : random.Next(Countries.Length));
            }
        }

        public bool[] IsFraudster { get; }

        public double[] Affinity { get; }

        public byte[] HomeCountry { get; }

        /// <summary>Shared or family accounts: a different device in many sessions.</summary>
        public bool[] ManyDevices { get; }

        /// <summary>Mobile carriers: a different IP in most sessions.</summary>
        public bool[] RotatingIp { get; }

        /// <summary>Heavy-tailed activity: low indices are picked far more often; fraudsters are picked at the base rate.</summary>
        public int Pick(Random random) => Math.Min(_count - 1, (int)(_count * Math.Pow(random.NextDouble(), 2.5)));

        public static string Id(int user) => "user-" + user.ToString("D6", CultureInfo.InvariantCulture);
    }

    /// <summary>The items, their current prices and stock, and the catalog records not yet emitted.</summary>
    private sealed class Catalogue(GeneratorOptions options, Random random)
    {
        private readonly double[] _prices = Enumerable.Range(0, options.Items).Select(_ => Math.Round(Math.Exp(2 + random.NextDouble() * 3.5), 2)).ToArray();
        private readonly bool[] _outOfStock = new bool[options.Items];
        private readonly bool[] _published = new bool[options.Items];

        public Queue<ItemUpdate> Pending { get; } = new();

        public int Count => _prices.Length;

        public static string Item(int item) => "item-" + item.ToString(CultureInfo.InvariantCulture);

        public string Category(int item) => "category-" + (item % options.Categories).ToString(CultureInfo.InvariantCulture);

        public double Price(int item) => _prices[item];

        public double Price(string itemId) => _prices[Index(itemId)];

        public bool InStock(int item) => !_outOfStock[item];

        public int Pick(Random random) => (int)(Count * Math.Pow(random.NextDouble(), 1.8));

        /// <summary>Queues the item's current state if the catalog has not published it yet.</summary>
        public void Publish(string itemId, DateTimeOffset at)
        {
            var item = Index(itemId);
            if (!_published[item])
            {
                _published[item] = true;
                Pending.Enqueue(State(item, at));
            }
        }

        /// <summary>
        /// Changes a popular published item: restocks it if it is out of stock, else mostly lowers its price by 10 to
        /// 35 %, sometimes raises it or takes it out of stock. Null when the item picked was never published.
        /// </summary>
        public ItemUpdate? Change(Random random, long at)
        {
            var item = Pick(random);
            if (!_published[item])
            {
                return null;
            }

            var roll = random.NextDouble();
            if (_outOfStock[item])
            {
                _outOfStock[item] = false;
            }
            else if (roll < 0.65)
            {
                _prices[item] = Math.Max(0.5, Math.Round(_prices[item] * (0.65 + 0.25 * random.NextDouble()), 2));
            }
            else if (roll < 0.85)
            {
                _prices[item] = Math.Round(_prices[item] * (1.05 + 0.15 * random.NextDouble()), 2);
            }
            else
            {
                _outOfStock[item] = true;
            }

            return State(item, DateTimeOffset.FromUnixTimeMilliseconds(at));
        }

        private static int Index(string itemId) => int.Parse(itemId.AsSpan("item-".Length), CultureInfo.InvariantCulture);

        private ItemUpdate State(int item, DateTimeOffset at) => new()
        {
            ItemId = Item(item),
            Name = "Product " + item.ToString(CultureInfo.InvariantCulture),
            Category = Category(item),
            Price = _prices[item],
            Currency = "EUR",
            InStock = !_outOfStock[item],
            UpdatedAt = at,
        };
    }

    /// <summary>One session, as a lazily generated sequence of records.</summary>
    private sealed class SessionScript(GeneratorOptions options, UserProfiles users, Catalogue catalogue, int user, long serial, long start, Random random)
    {
        private readonly string _userId = UserProfiles.Id(user);
        private readonly string _sessionId = "s-" + serial.ToString("x", CultureInfo.InvariantCulture);
        private readonly bool _fraudster = users.IsFraudster[user];
        private readonly double _affinity = users.Affinity[user];
        private readonly List<int> _cart = [];
        private long _time = start;
        private int _events;
        private Channel _channel;
        private string _device = "";
        private string _ip = "";
        private string _country = "";

        public IEnumerable<GeneratedRecord> Run()
        {
            // A few fraudster sessions look like anyone else's, and some normal ones look risky: the signals overlap.
            var behavesAsFraud = _fraudster && random.NextDouble() < 0.8;
            ChooseContext(behavesAsFraud);
            return behavesAsFraud ? FraudSession() : ShopperSession();
        }

        private void ChooseContext(bool fraud)
        {
            var r = random.NextDouble();
            _channel = r < 0.6 ? Channel.Web : r < 0.85 ? Channel.App : r < 0.93 ? Channel.Email : Channel.Ad;
            var deviceSuffix = (fraud && random.NextDouble() < 0.6) || (users.ManyDevices[user] && random.NextDouble() < 0.6) ? random.Next(1_000_000)
                : random.NextDouble() < 0.1 ? 1 : 0;
            _device = $"dev-{user:x}-{deviceSuffix:x}";
            var ipSuffix = (fraud && random.NextDouble() < 0.7) || (users.RotatingIp[user] && random.NextDouble() < 0.8) ? random.Next(1_000_000)
                : random.NextDouble() < 0.15 ? random.Next(3) + 1 : 0;
            _ip = $"ip-{(user * 7919L + ipSuffix):x}";
            var home = users.HomeCountry[user];
            var travels = fraud ? random.NextDouble() < 0.4 : random.NextDouble() < 0.05;
            _country = Countries[travels ? random.Next(Countries.Length) : home];
        }

        private IEnumerable<GeneratedRecord> ShopperSession()
        {
            if (_channel == Channel.Email)
            {
                yield return Event(EventType.EmailOpen);
                yield return Event(EventType.EmailClick);
            }
            else if (_channel == Channel.Ad)
            {
                yield return Event(EventType.AdClick);
            }

            if (random.NextDouble() < 0.4)
            {
                yield return Event(EventType.Login);
            }

            var interest = Math.Min(0.9, 0.25 * _affinity);
            var views = 1 + Geometric(0.25);
            for (var i = 0; i < views; i++)
            {
                var kind = random.NextDouble();
                if (kind < 0.25)
                {
                    yield return Event(EventType.PageView);
                    foreach (var record in MaybeDecision(interest))
                    {
                        yield return record;
                    }
                }
                else if (kind < 0.4)
                {
                    yield return Event(EventType.Search);
                }
                else
                {
                    var item = catalogue.Pick(random);
                    yield return Event(EventType.ProductView, item);
                    foreach (var record in MaybeDecision(interest))
                    {
                        yield return record;
                    }

                    if (random.NextDouble() < 0.05 + 0.12 * interest && catalogue.InStock(item))
                    {
                        _cart.Add(item);
                        yield return Event(EventType.AddToCart, item, quantity: 1 + Geometric(0.7));
                    }
                }
            }

            if (_cart.Count > 0 && random.NextDouble() < 0.2)
            {
                var removed = _cart[random.Next(_cart.Count)];
                _cart.Remove(removed);
                yield return Event(EventType.RemoveFromCart, removed, quantity: 1);
            }

            if (random.NextDouble() < 0.03)
            {
                yield return Event(EventType.AddressChange);
            }

            if (_cart.Count == 0 || random.NextDouble() > 0.35 + 0.3 * interest)
            {
                yield break;
            }

            yield return Event(EventType.CheckoutStart);
            yield return Event(EventType.PaymentAttempt);
            if (random.NextDouble() < 0.08)
            {
                yield return Event(EventType.PaymentFailed);
                yield return Event(EventType.PaymentAttempt);
            }

            if (random.NextDouble() < 0.85)
            {
                foreach (var item in _cart)
                {
                    yield return Event(EventType.Purchase, item, quantity: 1);
                }
            }
        }

        private IEnumerable<GeneratedRecord> FraudSession()
        {
            yield return Event(EventType.Login, gapScale: 0.7);
            if (random.NextDouble() < 0.5)
            {
                yield return Event(EventType.AddressChange, gapScale: 0.7);
            }

            var views = 1 + Geometric(0.6);
            for (var i = 0; i < views; i++)
            {
                yield return Event(EventType.ProductView, catalogue.Pick(random), gapScale: 0.7);
            }

            var items = 1 + random.Next(4);
            for (var i = 0; i < items; i++)
            {
                var item = catalogue.Pick(random);
                _cart.Add(item);
                yield return Event(EventType.AddToCart, item, quantity: 1 + random.Next(3), gapScale: 0.7);
            }

            if (random.NextDouble() > 0.9)
            {
                yield break;
            }

            yield return Event(EventType.CheckoutStart, gapScale: 0.7);
            for (var attempt = 0; attempt < 3; attempt++)
            {
                yield return Event(EventType.PaymentAttempt, gapScale: 0.7);
                if (random.NextDouble() >= 0.35)
                {
                    break;
                }

                yield return Event(EventType.PaymentFailed, gapScale: 0.7);
            }

            if (random.NextDouble() < 0.6)
            {
                foreach (var item in _cart)
                {
                    yield return Event(EventType.Purchase, item, quantity: 1 + random.Next(3), gapScale: 0.7);
                }
            }
        }

        /// <summary>On a share of views the bandit picks one of four items; the user may look at it (reward 1) or buy into it (3).</summary>
        private IEnumerable<GeneratedRecord> MaybeDecision(double interest)
        {
            if (random.NextDouble() >= options.DecisionShare)
            {
                yield break;
            }

            var actions = new string[4];
            var weights = new double[4];
            for (var i = 0; i < actions.Length; i++)
            {
                actions[i] = Catalogue.Item(catalogue.Pick(random));
                weights[i] = Math.Exp(random.NextDouble() * 2);
            }

            // Epsilon-greedy over the policy's weights, with the full probability vector logged.
            var best = Array.IndexOf(weights, weights.Max());
            var probabilities = weights.Select((_, i) => 0.1 / actions.Length + (i == best ? 0.9 : 0)).ToArray();
            var chosen = Sample(probabilities);
            _time += 200 + random.Next(800);
            var decision = new Decision
            {
                EventId = $"d-{_sessionId}-{_events++}",
                UserId = _userId,
                Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(_time),
                Context = new Dictionary<string, double> { ["affinity"] = Math.Round(_affinity, 3), ["hour"] = DateTimeOffset.FromUnixTimeMilliseconds(_time).Hour, ["channel"] = (int)_channel },
                Actions = actions,
                ChosenAction = actions[chosen],
                Probability = probabilities[chosen],
                Probabilities = probabilities,
                ModelId = "bandit-eg-v1",
                RewardWaitMs = random.NextDouble() < 0.2 ? 10_000 : null,
            };
            yield return new GeneratedRecord(null, decision, null, _fraudster);

            var reward = 0.0;
            var reaction = random.NextDouble();
            if (reaction < 0.3 * interest + 0.05)
            {
                var item = int.Parse(actions[chosen].AsSpan("item-".Length), CultureInfo.InvariantCulture);
                yield return Event(EventType.ProductView, item, gapScale: 0.5);
                reward = 1;
                if (reaction < 0.1 * interest && catalogue.InStock(item))
                {
                    _cart.Add(item);
                    yield return Event(EventType.AddToCart, item, quantity: 1, gapScale: 0.5);
                    reward = 3;
                }
            }

            if (random.NextDouble() < options.ExplicitRewardShare)
            {
                yield return new GeneratedRecord(null, null, new Reward
                {
                    EventId = decision.EventId,
                    UserId = _userId,
                    Value = reward,
                    Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(_time + 1),
                }, _fraudster);
            }
        }

        private GeneratedRecord Event(EventType type, int? item = null, int? quantity = null, double gapScale = 1)
        {
            if (_events > 0)
            {
                _time += (long)(1000 * gapScale * (2 + -Math.Log(1 - random.NextDouble()) * 12));
            }

            var price = item is { } i ? UnitPrice(catalogue.Price(i), _fraudster, type) : (double?)null;
            var e = new ClickEvent
            {
                EventId = $"e-{_sessionId}-{_events++}",
                UserId = _userId,
                SessionId = _sessionId,
                Type = type,
                Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(_time),
                ItemId = item is { } it ? Catalogue.Item(it) : null,
                Category = item is { } c ? catalogue.Category(c) : null,
                Price = price,
                Quantity = quantity,
                Channel = _channel,
                DeviceId = _device,
                IpHash = _ip,
                Country = _country,
            };
            return new GeneratedRecord(e, null, null, _fraudster);
        }

        private int Geometric(double p)
        {
            var n = 0;
            while (random.NextDouble() > p && n < 50)
            {
                n++;
            }

            return n;
        }

        private int Sample(double[] probabilities)
        {
            var r = random.NextDouble();
            for (var i = 0; i < probabilities.Length; i++)
            {
                r -= probabilities[i];
                if (r < 0)
                {
                    return i;
                }
            }

            return probabilities.Length - 1;
        }
    }
}
