using FsCheck.Xunit;
using Personalization.Topology.Records;

namespace Personalization.Topology.Tests.Triggers;

/// <summary>
/// The item triggers the topology writes are exactly those a brute-force recomputation finds, for random views, cart
/// additions, purchases and catalog histories (price drops and rises around the threshold, stock-outs and restocks,
/// interest older than the look-back), with the policy's cap and de-duplication out of the way.
/// </summary>
public sealed class TriggerPropertyTests
{
    private static readonly DateTimeOffset T0 = ScoringHarness.WallStart;
    private static readonly TimeSpan LookBack = TimeSpan.FromHours(3);
    private const double Fraction = 0.10;

    [Property(MaxTest = 40, StartSize = 20, EndSize = 200)]
    public void The_triggered_users_equal_a_brute_force_recomputation((byte Op, byte User, byte Item, byte Step, byte Price)[] input)
    {
        var options = new PersonalizationOptions();
        options.Triggers.LookBack = LookBack;
        options.Triggers.PriceDropFraction = Fraction;
        options.Triggers.InterestRefresh = TimeSpan.Zero;
        options.Triggers.MaxPerUserPerDay = 10_000;
        options.Triggers.DeduplicationPeriod = TimeSpan.FromMilliseconds(1);
        options.Triggers.CartTimeout = TimeSpan.FromDays(365);
        options.Attributes.FraudMediumRisk = 1;
        options.Attributes.FraudHighRisk = 1;
        using var harness = new ScoringHarness(options);

        var catalog = new Dictionary<string, (double Price, bool InStock)>();
        var interest = new Dictionary<(string User, string Item), (long Last, double? PriceSeen, long? PurchasedAt)>();
        var expected = new List<string>();
        var at = T0;
        var serial = 0;
        foreach (var (op, userByte, itemByte, step, priceByte) in input)
        {
            at += TimeSpan.FromMinutes(1 + step % 40);
            var time = at.ToUnixTimeMilliseconds();
            var user = $"u{userByte % 6}";
            var item = $"item-{itemByte % 3}";
            switch (op % 10)
            {
                case <= 5:
                    var type = (op % 10) switch { <= 3 => EventType.ProductView, 4 => EventType.AddToCart, _ => EventType.Purchase };
                    harness.Send(new ClickEvent { EventId = $"e{serial++}", UserId = user, SessionId = "s", Type = type, Timestamp = at, ItemId = item, Price = 10, Quantity = 1 });
                    var known = interest.TryGetValue((user, item), out var entry);
                    if (type == EventType.Purchase)
                    {
                        if (known)
                        {
                            interest[(user, item)] = entry with { PurchasedAt = time };
                        }
                    }
                    else
                    {
                        interest[(user, item)] = (time, catalog.TryGetValue(item, out var seen) ? seen.Price : null, known ? entry.PurchasedAt : null);
                    }

                    break;
                default:
                    var price = 50.0 + priceByte % 12 * 5;
                    var inStock = priceByte % 5 != 0;
                    harness.Send(new ItemUpdate { ItemId = item, Name = item, Price = price, Currency = "EUR", InStock = inStock, UpdatedAt = at });
                    if (catalog.TryGetValue(item, out var before))
                    {
                        var restock = !before.InStock && inStock;
                        var drop = !restock && inStock && price < before.Price;
                        foreach (var ((u, i), e) in interest.Where(kv => kv.Key.Item == item && (restock || drop)).OrderBy(kv => kv.Key.User, StringComparer.Ordinal))
                        {
                            if (e.Last < time - (long)LookBack.TotalMilliseconds || e.PurchasedAt >= e.Last)
                            {
                                continue;
                            }

                            if (drop && price > (e.PriceSeen ?? before.Price) * (1 - Fraction))
                            {
                                continue;
                            }

                            expected.Add($"{u} {i} {(restock ? TriggerKind.BackInStock : TriggerKind.PriceDrop)} {time}");
                        }
                    }

                    catalog[item] = (price, inStock);
                    break;
            }
        }

        var actual = harness.Triggers.ReadKeyValuesToList()
            .Select(t => $"{t.Key} {t.Value.Items[0].ItemId} {t.Value.Kind} {t.Value.CauseTime.ToUnixTimeMilliseconds()}")
            .ToList();
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
    }
}
