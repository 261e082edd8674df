using Personalization.Topology.Records;

namespace Personalization.Topology.Features;

/// <summary>
/// The feature definitions, shared by the topology and the trainer. A user's features are as of their latest event
/// time (<c>as_of</c>); a horizon of N minutes covers the N one-minute tiles ending with the tile of <c>as_of</c>
/// (so "last hour" is the current minute and the 59 before it). See docs/topology.md, "Features", for every definition.
/// Whole hours between the 24-hour horizon's first minute and the 1-hour horizon's are read from hour tiles, which
/// hold the same sums and unions as their minutes, so a feature read costs at most about 260 tiles, not 1,500.
/// </summary>
public static class FeatureCalculator
{
    /// <summary>How far back tiles are kept: 24 hours for the longest horizon plus 1 hour for the order-value baseline.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(25);

    private const int TilesIn1m = 1;
    private const int TilesIn5m = 5;
    private const int TilesIn10m = 10;
    private const int TilesIn1h = 60;
    private const int TilesIn24h = 1440;
    private const int TilesInRetention = 1500;
    private const int HoursIn24h = 24;

    // A feature read's sums and unions, reused by the thread's next read: its sets keep their capacity instead of
    // growing anew for every event.
    [ThreadStatic]
    private static HorizonSums? t_horizons;

    /// <summary>
    /// Folds one event into the user's tile and profile. The tile is stored; the profile is returned for the caller to
    /// store with <see cref="IUserFeatureState.PutProfile"/> once it has added its own fields, so a profile is written
    /// once per event. Returns false, changing nothing, for an event older than the retention relative to the user's
    /// latest event: it can no longer affect any feature.
    /// </summary>
    public static bool Observe(IUserFeatureState state, ClickEvent e, out UserProfile profile)
    {
        var timestamp = e.Timestamp.ToUnixTimeMilliseconds();
        var tileStart = FeatureTile.StartOf(timestamp);
        var existing = state.GetProfile(e.UserId);
        if (existing is not null && tileStart <= FeatureTile.StartOf(existing.Latest) - TilesInRetention * FeatureTile.SizeMs)
        {
            profile = existing;
            return false;
        }

        var tile = state.GetTile(e.UserId, tileStart) ?? new FeatureTile();
        tile.Add(e);
        state.PutTile(e.UserId, tileStart, tile);

        var hour = HourTile.StartOf(timestamp);
        profile = existing ?? new UserProfile { FirstSeen = timestamp, Latest = timestamp, SessionStart = timestamp, HoursRolledUpBefore = hour };
        var isNewest = existing is null || timestamp >= existing.Latest;
        if (existing is not null)
        {
            // Before the latest event time moves: the rollup compares the event's hour with the previous latest one.
            RollUpHours(state, e.UserId, profile, hour);
            profile.FirstSeen = Math.Min(profile.FirstSeen, timestamp);
            if (timestamp >= profile.Latest)
            {
                profile.Previous = profile.Latest;
                profile.Latest = timestamp;
            }
            else if (profile.Previous is not { } previous || timestamp > previous)
            {
                profile.Previous = timestamp;
            }
        }

        if (e.Type == EventType.Purchase && (profile.LastPurchase is not { } lastPurchase || timestamp > lastPurchase))
        {
            profile.LastPurchase = timestamp;
        }

        if (existing is null || (e.SessionId != profile.SessionId && isNewest))
        {
            profile.SessionId = e.SessionId;
            profile.SessionStart = timestamp;
            profile.SessionEvents = 0;
            profile.SessionItems.Clear();
            profile.SessionCartAdded = 0;
            profile.SessionCartRemoved = 0;
            profile.SessionCheckoutStarted = false;
            profile.SessionProductViews = 0;
            profile.SessionAddToCarts = 0;
        }

        if (e.SessionId == profile.SessionId)
        {
            profile.SessionStart = Math.Min(profile.SessionStart, timestamp);
            profile.SessionEvents++;
            if (e.ItemId is not null)
            {
                profile.SessionItems.Add(e.ItemId);
            }

            switch (e.Type)
            {
                case EventType.AddToCart:
                    profile.SessionCartAdded += FeatureTile.LineValue(e);
                    profile.SessionAddToCarts++;
                    break;
                case EventType.ProductView:
                    profile.SessionProductViews++;
                    break;
                case EventType.RemoveFromCart:
                    profile.SessionCartRemoved += FeatureTile.LineValue(e);
                    break;
                case EventType.CheckoutStart:
                    profile.SessionCheckoutStarted = true;
                    break;
            }
        }

        if (isNewest)
        {
            profile.LastEventId = e.EventId;
            profile.LatestItem = e.ItemId ?? profile.LatestItem;
            profile.LatestCategory = e.Category ?? profile.LatestCategory;
        }

        return true;
    }

    /// <summary>
    /// Keeps <see cref="UserProfile.HoursRolledUpBefore"/> true after an event in <paramref name="hour"/> has been added
    /// to its minute tile: the user's first event in a later hour rolls up the hours before it (normally just the
    /// previous latest hour, so each hour's minutes are read once more), and an event in an hour already rolled up
    /// rolls that hour up again. Hours too old for the 24-hour horizon of any later read are left alone.
    /// </summary>
    private static void RollUpHours(IUserFeatureState state, string userId, UserProfile profile, long hour)
    {
        var latestHour = HourTile.StartOf(profile.Latest);
        if (hour > latestHour)
        {
            RollUp(state, userId, Math.Max(profile.HoursRolledUpBefore, hour - (HoursIn24h - 1) * HourTile.SizeMs), hour);
            profile.HoursRolledUpBefore = hour;
        }
        else if (hour < profile.HoursRolledUpBefore && hour > latestHour - HoursIn24h * HourTile.SizeMs)
        {
            RollUp(state, userId, hour, hour + HourTile.SizeMs);
        }
    }

    /// <summary>Writes the hour tile of every hour in [<paramref name="from"/>, <paramref name="to"/>) that has minute tiles.</summary>
    private static void RollUp(IUserFeatureState state, string userId, long from, long to)
    {
        HourTile? current = null;
        var currentStart = 0L;
        foreach (var (start, minute) in state.Tiles(userId, from, to - FeatureTile.SizeMs))
        {
            var hourStart = HourTile.StartOf(start);
            if (current is null || hourStart != currentStart)
            {
                if (current is not null)
                {
                    state.PutHourTile(userId, currentStart, current);
                }

                current = new HourTile();
                currentStart = hourStart;
            }

            current.Add(minute);
        }

        if (current is not null)
        {
            state.PutHourTile(userId, currentStart, current);
        }
    }

    /// <summary>The user's features as of their latest event.</summary>
    public static UserFeatures Compute(IUserFeatureState state, string userId, UserProfile profile)
    {
        var asOfTile = FeatureTile.StartOf(profile.Latest);
        var horizons = t_horizons ??= new HorizonSums();
        horizons.Reset(profile.LatestItem, profile.LatestCategory);
        // No tile is older than the user's first event: a user seen for the first time this hour reads one store segment,
        // not the retention's two or three.
        var firstTile = FeatureTile.StartOf(profile.FirstSeen);
        var from = Math.Max(asOfTile - (TilesInRetention - 1) * FeatureTile.SizeMs, firstTile);
        // An hour tile can stand in for its minutes only where no horizon edge falls inside the hour: at or after the
        // 24-hour horizon's first minute and before the 1-hour horizon's. Minutes outside that span are read one by one.
        var hoursFrom = HourTile.StartOf(asOfTile - ((TilesIn24h - 1) * FeatureTile.SizeMs) + HourTile.SizeMs - 1);
        var hoursTo = Math.Min(HourTile.StartOf(asOfTile - ((TilesIn1h - 1) * FeatureTile.SizeMs)), profile.HoursRolledUpBefore);
        if (hoursFrom < hoursTo)
        {
            // A user first seen within the last two hours has no hour tile to read.
            var firstHour = Math.Max(hoursFrom, HourTile.StartOf(firstTile));
            if (firstHour < hoursTo)
            {
                foreach (var (_, tile) in state.HourTiles(userId, firstHour, hoursTo - HourTile.SizeMs))
                {
                    horizons.Add(tile);
                }
            }

            if (from < hoursFrom)
            {
                AddMinutes(state, userId, from, hoursFrom - FeatureTile.SizeMs, asOfTile, horizons);
            }

            from = Math.Max(from, hoursTo);
        }

        AddMinutes(state, userId, from, asOfTile, asOfTile, horizons);

        var baselineHourlyValue = horizons.BaselinePurchaseValue / 24;
        return new UserFeatures
        {
            UserId = userId,
            AsOf = DateTimeOffset.FromUnixTimeMilliseconds(profile.Latest),
            Last1m = horizons.Last1m.ToRecord(),
            Last5m = horizons.Last5m.ToRecord(),
            Last1h = horizons.Last1h.ToRecord(),
            Last24h = horizons.Last24h.ToRecord(),
            Session = new SessionFeatures
            {
                SessionId = profile.SessionId,
                Events = profile.SessionEvents,
                DistinctItems = profile.SessionItems.Count,
                AgeSeconds = (profile.Latest - profile.SessionStart) / 1000.0,
                CartValue = Math.Max(0, profile.SessionCartAdded - profile.SessionCartRemoved),
                CheckoutStarted = profile.SessionCheckoutStarted,
                ProductViews = profile.SessionProductViews,
                AddToCarts = profile.SessionAddToCarts,
            },
            SecondsSincePreviousEvent = profile.Previous is { } previous ? (profile.Latest - previous) / 1000.0 : null,
            SecondsSinceLastPurchase = profile.LastPurchase is { } purchase ? (profile.Latest - purchase) / 1000.0 : null,
            DistinctItems1h = horizons.Items1h.Count,
            DistinctCategories1h = horizons.Categories1h.Count,
            Fraud = new FraudSignals
            {
                PaymentFailures10m = horizons.PaymentFailures10m,
                DistinctDevices24h = horizons.Devices24h.Count,
                DistinctIps24h = horizons.Ips24h.Count,
                DistinctCountries24h = horizons.Countries24h.Count,
                AddressChanges24h = horizons.Last24h.Counts[(int)EventType.AddressChange],
                OrderValue1h = horizons.Last1h.PurchaseValue,
                OrderValueRatio = baselineHourlyValue > 0 ? horizons.Last1h.PurchaseValue / baselineHourlyValue : 0,
                AccountAgeSeconds = (profile.Latest - profile.FirstSeen) / 1000.0,
            },
            LatestItemMinutes24h = horizons.LatestItemMinutes24h,
            LatestCategoryMinutes1h = horizons.LatestCategoryMinutes1h,
        };
    }

    private static void AddMinutes(IUserFeatureState state, string userId, long from, long to, long asOfTile, HorizonSums horizons)
    {
        foreach (var (start, tile) in state.Tiles(userId, from, to))
        {
            horizons.Add((int)((asOfTile - start) / FeatureTile.SizeMs), tile);
        }
    }

    /// <summary>Sums and unions of tiles by how many minutes before the as-of tile they start.</summary>
    private sealed class HorizonSums
    {
        public readonly HorizonCounts Last1m = new();
        public readonly HorizonCounts Last5m = new();
        public readonly HorizonCounts Last1h = new();
        public readonly HorizonCounts Last24h = new();
        public readonly HashSet<string> Items1h = new(StringComparer.Ordinal);
        public readonly HashSet<string> Categories1h = new(StringComparer.Ordinal);
        public readonly HashSet<string> Devices24h = new(StringComparer.Ordinal);
        public readonly HashSet<string> Ips24h = new(StringComparer.Ordinal);
        public readonly HashSet<string> Countries24h = new(StringComparer.Ordinal);
        public int PaymentFailures10m;
        public double BaselinePurchaseValue;
        public int LatestItemMinutes24h;
        public int LatestCategoryMinutes1h;
        private string? _latestItem;
        private string? _latestCategory;

        public void Reset(string? latestItem, string? latestCategory)
        {
            _latestItem = latestItem;
            _latestCategory = latestCategory;
            Last1m.Clear();
            Last5m.Clear();
            Last1h.Clear();
            Last24h.Clear();
            Empty(Items1h);
            Empty(Categories1h);
            Empty(Devices24h);
            Empty(Ips24h);
            Empty(Countries24h);
            PaymentFailures10m = 0;
            BaselinePurchaseValue = 0;
            LatestItemMinutes24h = 0;
            LatestCategoryMinutes1h = 0;
        }

        /// <summary>Adds a whole hour that lies inside the 24-hour horizon and the baseline, and before the 1-hour horizon.</summary>
        public void Add(HourTile tile)
        {
            Last24h.Add(tile.Counts, tile.PurchaseValue);
            LatestItemMinutes24h += _latestItem is not null ? tile.ItemMinutes.GetValueOrDefault(_latestItem) : 0;
            Devices24h.UnionWith(tile.Devices);
            Ips24h.UnionWith(tile.Ips);
            Countries24h.UnionWith(tile.Countries);
            BaselinePurchaseValue += tile.PurchaseValue;
        }

        public void Add(int minutesBack, FeatureTile tile)
        {
            if (minutesBack < TilesIn1m)
            {
                Last1m.Add(tile.Counts, tile.PurchaseValue);
            }

            if (minutesBack < TilesIn5m)
            {
                Last5m.Add(tile.Counts, tile.PurchaseValue);
            }

            if (minutesBack < TilesIn10m)
            {
                PaymentFailures10m += tile.Counts[(int)EventType.PaymentFailed];
            }

            if (minutesBack < TilesIn1h)
            {
                Last1h.Add(tile.Counts, tile.PurchaseValue);
                tile.Items.AddTo(Items1h);
                tile.Categories.AddTo(Categories1h);
                LatestCategoryMinutes1h += _latestCategory is not null && tile.Categories.Contains(_latestCategory) ? 1 : 0;
            }
            else
            {
                BaselinePurchaseValue += tile.PurchaseValue;
            }

            if (minutesBack < TilesIn24h)
            {
                Last24h.Add(tile.Counts, tile.PurchaseValue);
                LatestItemMinutes24h += _latestItem is not null && tile.Items.Contains(_latestItem) ? 1 : 0;
                tile.Devices.AddTo(Devices24h);
                tile.Ips.AddTo(Ips24h);
                tile.Countries.AddTo(Countries24h);
            }
        }

        /// <summary>Clears a set for the next read; one a bot's day made large gives its memory back, since every clear costs its capacity.</summary>
        private static void Empty(HashSet<string> set)
        {
            var large = set.Count > 256;
            set.Clear();
            if (large)
            {
                set.TrimExcess();
            }
        }
    }

    private sealed class HorizonCounts
    {
        public readonly int[] Counts = new int[FeatureTileCounts];
        public double PurchaseValue;

        private static readonly int FeatureTileCounts = Streams.Avro.AvroEnum<EventType>.Count;

        public void Clear()
        {
            Array.Clear(Counts);
            PurchaseValue = 0;
        }

        public void Add(int[] counts, double purchaseValue)
        {
            for (var i = 0; i < Counts.Length; i++)
            {
                Counts[i] += counts[i];
            }

            PurchaseValue += purchaseValue;
        }

        public ActivityCounts ToRecord() => new()
        {
            Events = Counts.Sum(),
            PageViews = Counts[(int)EventType.PageView],
            ProductViews = Counts[(int)EventType.ProductView],
            Searches = Counts[(int)EventType.Search],
            AddToCart = Counts[(int)EventType.AddToCart],
            Purchases = Counts[(int)EventType.Purchase],
            PaymentAttempts = Counts[(int)EventType.PaymentAttempt],
            PaymentFailures = Counts[(int)EventType.PaymentFailed],
            EmailClicks = Counts[(int)EventType.EmailClick],
            AdClicks = Counts[(int)EventType.AdClick],
            PurchaseValue = PurchaseValue,
        };
    }
}
