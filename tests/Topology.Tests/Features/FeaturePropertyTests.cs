using FsCheck.Xunit;
using Personalization.Topology.Records;

namespace Personalization.Topology.Tests.Features;

/// <summary>
/// The features the topology writes equal a brute-force recomputation from the raw events seen so far, for random
/// event sequences in any order: seconds apart within 20 minutes, at minutes chosen so that every horizon edge
/// (1, 5, 10, 60 minutes, 24 hours) and the order-value baseline are crossed, or at any minute of the 25-hour retention,
/// so that whole hours are read from hour tiles, rolled up as later hours arrive and again when a late event lands in
/// one. Each sequence is shifted by its own number of minutes, so hour boundaries fall anywhere relative to the
/// horizon edges. (Events older than the 25-hour retention are covered by ScoringTests.)
/// </summary>
public sealed class FeaturePropertyTests
{
    private static readonly long T0 = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private const long Minute = 60_000;

    // Minutes (from T0) at each horizon edge (1, 5, 10, 60 minutes, 24 hours, the 25-hour baseline) and one either side
    // of it, counted back from the latest minute, which is drawn as often as any other.
    private static readonly long[] Minutes = [.. new long[] { 0, 1, 4, 5, 6, 9, 10, 11, 59, 60, 61, 1439, 1440, 1441, 1499 }.Select(back => 1499 - back)];

    [Property(MaxTest = 40, StartSize = 30, EndSize = 150)]
    public void Every_feature_equals_a_brute_force_recomputation_from_the_raw_events((byte User, byte Type, ushort Time, byte Session, byte Item, byte Detail)[] input)
    {
        var options = new PersonalizationOptions();
        options.Scoring.PropensityInterval = TimeSpan.FromMilliseconds(1);
        using var harness = new ScoringHarness(options);

        var seen = new Dictionary<string, List<ClickEvent>>();
        var expected = new List<UserFeatures>();
        var serial = 0;
        var shift = input.Length * 37 % 60 * Minute;
        foreach (var raw in input)
        {
            var e = ToEvent(raw, serial++, shift);
            var history = seen.TryGetValue(e.UserId, out var list) ? list : seen[e.UserId] = [];
            history.Add(e);
            expected.Add(BruteForce(e.UserId, history));
            harness.Driver.AdvanceWallClockTime(TimeSpan.FromSeconds(1));
            harness.Send(e);
        }

        var actual = harness.Features.ReadValuesToList();
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            AssertEqual(expected[i], actual[i], $"features #{i}");
        }
    }

    private static ClickEvent ToEvent((byte User, byte Type, ushort Time, byte Session, byte Item, byte Detail) raw, int serial, long shift)
    {
        // Generated numbers are small at first; a generator seeded by them spreads them over positions and seconds.
        var spread = new Random(raw.Time * 7919 + raw.Detail);
        var timestamp = shift + spread.Next(4) switch
        {
            0 => T0 + (Minutes[0] - 19) * Minute + spread.Next(1200) * 1000L,
            1 => T0 + spread.Next(1500) * Minute + spread.Next(60) * 1000L,
            _ => T0 + Minutes[spread.Next(Minutes.Length)] * Minute + spread.Next(60) * 1000L,
        };
        var item = raw.Item % 6;
        return new ClickEvent
        {
            EventId = $"e{serial}",
            UserId = $"u{raw.User % 2}",
            SessionId = $"s{raw.Session % 3}",
            Type = (EventType)(raw.Type % 14),
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(timestamp),
            ItemId = item == 5 ? null : $"item-{item}",
            Category = item == 5 ? null : $"cat-{item % 3}",
            Price = raw.Item % 4 == 0 ? null : raw.Item % 4 * 10.5,
            Quantity = raw.Detail % 3 == 0 ? null : raw.Detail % 3,
            DeviceId = $"d{(raw.Detail >> 1) % 4}",
            IpHash = raw.Detail % 5 == 0 ? null : $"ip{raw.Item % 3}",
            Country = ((raw.Detail >> 2) % 3) switch { 0 => "DE", 1 => "FR", _ => null },
        };
    }

    /// <summary>The feature definitions, restated over the raw events of one user in arrival order.</summary>
    private static UserFeatures BruteForce(string user, List<ClickEvent> events)
    {
        var asOf = events.Max(Ms);
        var asOfTile = Tile(asOf);
        long MinutesBack(ClickEvent e) => (asOfTile - Tile(Ms(e))) / Minute;
        List<ClickEvent> Within(long minutes) => events.Where(e => MinutesBack(e) < minutes).ToList();

        var purchases1h = Within(60).Where(e => e.Type == EventType.Purchase).Sum(Value);
        var baseline = events.Where(e => MinutesBack(e) is >= 60 and < 1500 && e.Type == EventType.Purchase).Sum(Value) / 24;
        var ordered = events.Select(Ms).OrderDescending().ToList();

        // The current session became current at the latest event that was the newest so far and switched session.
        var switchedAt = 0;
        long newest = long.MinValue;
        string? session = null;
        for (var i = 0; i < events.Count; i++)
        {
            if (session is null || (events[i].SessionId != session && Ms(events[i]) >= newest))
            {
                session = events[i].SessionId;
                switchedAt = i;
            }

            newest = Math.Max(newest, Ms(events[i]));
        }

        // The latest item (category) is that of the latest event naming one that was the newest so far when it arrived.
        string? latestItem = null, latestCategory = null;
        newest = long.MinValue;
        foreach (var e in events)
        {
            if (Ms(e) >= newest)
            {
                latestItem = e.ItemId ?? latestItem;
                latestCategory = e.Category ?? latestCategory;
            }

            newest = Math.Max(newest, Ms(e));
        }

        int MinutesWith(long minutes, Func<ClickEvent, bool> touched) => Within(minutes).Where(touched).Select(e => Tile(Ms(e))).Distinct().Count();

        var sessionEvents = events.Skip(switchedAt).Where(e => e.SessionId == session).ToList();
        var lastPurchase = events.Where(e => e.Type == EventType.Purchase).Select(Ms).DefaultIfEmpty(long.MinValue).Max();
        return new UserFeatures
        {
            UserId = user,
            AsOf = DateTimeOffset.FromUnixTimeMilliseconds(asOf),
            Last1m = Counts(Within(1)),
            Last5m = Counts(Within(5)),
            Last1h = Counts(Within(60)),
            Last24h = Counts(Within(1440)),
            Session = new SessionFeatures
            {
                SessionId = session,
                Events = sessionEvents.Count,
                DistinctItems = sessionEvents.Select(e => e.ItemId).OfType<string>().Distinct().Count(),
                AgeSeconds = (asOf - sessionEvents.Min(Ms)) / 1000.0,
                CartValue = Math.Max(0, sessionEvents.Where(e => e.Type == EventType.AddToCart).Sum(Value) - sessionEvents.Where(e => e.Type == EventType.RemoveFromCart).Sum(Value)),
                CheckoutStarted = sessionEvents.Any(e => e.Type == EventType.CheckoutStart),
                ProductViews = sessionEvents.Count(e => e.Type == EventType.ProductView),
                AddToCarts = sessionEvents.Count(e => e.Type == EventType.AddToCart),
            },
            SecondsSincePreviousEvent = ordered.Count > 1 ? (ordered[0] - ordered[1]) / 1000.0 : null,
            SecondsSinceLastPurchase = lastPurchase == long.MinValue ? null : (asOf - lastPurchase) / 1000.0,
            DistinctItems1h = Within(60).Select(e => e.ItemId).OfType<string>().Distinct().Count(),
            DistinctCategories1h = Within(60).Select(e => e.Category).OfType<string>().Distinct().Count(),
            Fraud = new FraudSignals
            {
                PaymentFailures10m = Within(10).Count(e => e.Type == EventType.PaymentFailed),
                DistinctDevices24h = Within(1440).Select(e => e.DeviceId).OfType<string>().Distinct().Count(),
                DistinctIps24h = Within(1440).Select(e => e.IpHash).OfType<string>().Distinct().Count(),
                DistinctCountries24h = Within(1440).Select(e => e.Country).OfType<string>().Distinct().Count(),
                AddressChanges24h = Within(1440).Count(e => e.Type == EventType.AddressChange),
                OrderValue1h = purchases1h,
                OrderValueRatio = baseline > 0 ? purchases1h / baseline : 0,
                AccountAgeSeconds = (asOf - events.Min(Ms)) / 1000.0,
            },
            LatestItemMinutes24h = latestItem is null ? 0 : MinutesWith(1440, e => e.ItemId == latestItem),
            LatestCategoryMinutes1h = latestCategory is null ? 0 : MinutesWith(60, e => e.Category == latestCategory),
        };
    }

    private static ActivityCounts Counts(List<ClickEvent> events) => new()
    {
        Events = events.Count,
        PageViews = events.Count(e => e.Type == EventType.PageView),
        ProductViews = events.Count(e => e.Type == EventType.ProductView),
        Searches = events.Count(e => e.Type == EventType.Search),
        AddToCart = events.Count(e => e.Type == EventType.AddToCart),
        Purchases = events.Count(e => e.Type == EventType.Purchase),
        PaymentAttempts = events.Count(e => e.Type == EventType.PaymentAttempt),
        PaymentFailures = events.Count(e => e.Type == EventType.PaymentFailed),
        EmailClicks = events.Count(e => e.Type == EventType.EmailClick),
        AdClicks = events.Count(e => e.Type == EventType.AdClick),
        PurchaseValue = events.Where(e => e.Type == EventType.Purchase).Sum(Value),
    };

    private static double Value(ClickEvent e) => (e.Price ?? 0) * (e.Quantity ?? 1);

    private static long Ms(ClickEvent e) => e.Timestamp.ToUnixTimeMilliseconds();

    private static long Tile(long ms) => ms - ms % Minute;

    private static void AssertEqual(UserFeatures expected, UserFeatures actual, string what)
    {
        // Sums of doubles in another order may differ in the last bits; compare the records with doubles rounded.
        static UserFeatures Rounded(UserFeatures f) => f with
        {
            Last1m = Round(f.Last1m),
            Last5m = Round(f.Last5m),
            Last1h = Round(f.Last1h),
            Last24h = Round(f.Last24h),
            Session = f.Session with { CartValue = Math.Round(f.Session.CartValue, 6) },
            Fraud = f.Fraud with { OrderValue1h = Math.Round(f.Fraud.OrderValue1h, 6), OrderValueRatio = Math.Round(f.Fraud.OrderValueRatio, 6) },
        };

        static ActivityCounts Round(ActivityCounts c) => c with { PurchaseValue = Math.Round(c.PurchaseValue, 6) };

        var e = Rounded(expected);
        var a = Rounded(actual);
        Assert.True(e == a, $"{what} differ:\nexpected {e}\n  actual {a}");
    }
}
