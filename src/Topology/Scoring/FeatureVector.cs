using Personalization.Topology.Records;

namespace Personalization.Topology.Scoring;

/// <summary>
/// The models' input: a user's features flattened into a fixed-order vector. Missing values (no previous event, no
/// purchase yet) are -1, which trees split on like any other value. The order is part of every model's contract:
/// append, never reorder, and retrain when it changes.
/// </summary>
public static class FeatureVector
{
    public const int Length = 65;

    /// <summary>
    /// Every length the vector has had, oldest first: 61 until the session's counts and the latest item's and
    /// category's repeat minutes were appended. A model trained on an earlier length is fed that many leading values.
    /// </summary>
    public static IReadOnlyList<int> Lengths { get; } = [61, Length];

    private static readonly string[] Horizons = ["1m", "5m", "1h", "24h"];

    private static readonly string[] CountNames =
        ["events", "page_views", "product_views", "searches", "add_to_cart", "purchases", "payment_attempts", "payment_failures", "email_clicks", "ad_clicks", "purchase_value"];

    /// <summary>The name of each position, for model cards.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        .. Horizons.SelectMany(h => CountNames.Select(c => $"last_{h}.{c}")),
        "session.events", "session.distinct_items", "session.age_seconds", "session.cart_value", "session.checkout_started",
        "seconds_since_previous_event", "seconds_since_last_purchase",
        "distinct_items_1h", "distinct_categories_1h",
        "fraud.payment_failures_10m", "fraud.distinct_devices_24h", "fraud.distinct_ips_24h", "fraud.distinct_countries_24h",
        "fraud.address_changes_24h", "fraud.order_value_1h", "fraud.order_value_ratio", "fraud.account_age_seconds",
        "session.product_views", "session.add_to_carts", "latest_item.minutes_24h", "latest_category.minutes_1h",
    ];

    /// <summary>Writes <paramref name="features"/> into <paramref name="vector"/> (length <see cref="Length"/>).</summary>
    public static void Fill(UserFeatures features, float[] vector)
    {
        var i = 0;
        Counts(features.Last1m, vector, ref i);
        Counts(features.Last5m, vector, ref i);
        Counts(features.Last1h, vector, ref i);
        Counts(features.Last24h, vector, ref i);
        vector[i++] = features.Session.Events;
        vector[i++] = features.Session.DistinctItems;
        vector[i++] = (float)features.Session.AgeSeconds;
        vector[i++] = (float)features.Session.CartValue;
        vector[i++] = features.Session.CheckoutStarted ? 1 : 0;
        vector[i++] = (float)(features.SecondsSincePreviousEvent ?? -1);
        vector[i++] = (float)(features.SecondsSinceLastPurchase ?? -1);
        vector[i++] = features.DistinctItems1h;
        vector[i++] = features.DistinctCategories1h;
        vector[i++] = features.Fraud.PaymentFailures10m;
        vector[i++] = features.Fraud.DistinctDevices24h;
        vector[i++] = features.Fraud.DistinctIps24h;
        vector[i++] = features.Fraud.DistinctCountries24h;
        vector[i++] = features.Fraud.AddressChanges24h;
        vector[i++] = (float)features.Fraud.OrderValue1h;
        vector[i++] = (float)features.Fraud.OrderValueRatio;
        vector[i++] = (float)features.Fraud.AccountAgeSeconds;
        vector[i++] = features.Session.ProductViews;
        vector[i++] = features.Session.AddToCarts;
        vector[i++] = features.LatestItemMinutes24h;
        vector[i] = features.LatestCategoryMinutes1h;
    }

    public static float[] Of(UserFeatures features)
    {
        var vector = new float[Length];
        Fill(features, vector);
        return vector;
    }

    private static void Counts(ActivityCounts counts, float[] vector, ref int i)
    {
        vector[i++] = counts.Events;
        vector[i++] = counts.PageViews;
        vector[i++] = counts.ProductViews;
        vector[i++] = counts.Searches;
        vector[i++] = counts.AddToCart;
        vector[i++] = counts.Purchases;
        vector[i++] = counts.PaymentAttempts;
        vector[i++] = counts.PaymentFailures;
        vector[i++] = counts.EmailClicks;
        vector[i++] = counts.AdClicks;
        vector[i++] = (float)counts.PurchaseValue;
    }
}
