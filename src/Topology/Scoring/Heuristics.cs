using Personalization.Topology.Records;

namespace Personalization.Topology.Scoring;

/// <summary>
/// The documented fallback scores, used when a model is missing, throws, or is over its latency budget. They are
/// deliberately simple logistic rules over the strongest signals, so a fallback is explainable and never extreme
/// without evidence.
/// </summary>
public static class Heuristics
{
    /// <summary>The <c>model_version</c> of a heuristic score.</summary>
    public const string Version = "heuristic";

    /// <summary>
    /// Fraud: logistic(−4 + 0.8·payment failures in 10 min + 0.6·(distinct devices in 24 h − 1) + 0.5·(distinct countries
    /// in 24 h − 1) + 0.7·address changes in 24 h + 0.3·min(order value ratio, 10) + 1 if the account is younger than an hour).
    /// </summary>
    public static double Fraud(UserFeatures f) => Logistic(
        -4
        + 0.8 * f.Fraud.PaymentFailures10m
        + 0.6 * Math.Max(0, f.Fraud.DistinctDevices24h - 1)
        + 0.5 * Math.Max(0, f.Fraud.DistinctCountries24h - 1)
        + 0.7 * f.Fraud.AddressChanges24h
        + 0.3 * Math.Min(f.Fraud.OrderValueRatio, 10)
        + (f.Fraud.AccountAgeSeconds < 3600 ? 1 : 0));

    /// <summary>
    /// Propensity: logistic(−3 + 1.5 if checkout started in the session + 0.8·min(add-to-carts in 1 h, 5) + 0.02·min(product
    /// views in 1 h, 50) + 0.5 if the cart is not empty + 0.3 if the user purchased in the last 24 h).
    /// </summary>
    public static double Propensity(UserFeatures f) => Logistic(
        -3
        + (f.Session.CheckoutStarted ? 1.5 : 0)
        + 0.8 * Math.Min(f.Last1h.AddToCart, 5)
        + 0.02 * Math.Min(f.Last1h.ProductViews, 50)
        + (f.Session.CartValue > 0 ? 0.5 : 0)
        + (f.Last24h.Purchases > 0 ? 0.3 : 0));

    private static double Logistic(double x) => 1 / (1 + Math.Exp(-x));
}
