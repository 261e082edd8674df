using Personalization.Topology.Records;

namespace Personalization.Simulation.Tests;

public sealed class GeneratorTests
{
    private static List<GeneratedRecord> Generate(int seed, int count) =>
        new ClickstreamGenerator(new GeneratorOptions { Users = 20_000, Seed = seed }).Take(count).ToList();

    [Fact]
    public void The_same_seed_gives_the_same_stream_and_another_seed_another()
    {
        var first = Generate(1, 5_000);
        var again = Generate(1, 5_000);
        var other = Generate(2, 5_000);

        Assert.Equal(first.Select(Describe), again.Select(Describe));
        Assert.NotEqual(first.Select(Describe), other.Select(Describe));
    }

    [Fact]
    public void The_stream_is_in_event_time_order_with_a_funnel_that_converts_a_few_percent_of_sessions()
    {
        var records = Generate(3, 300_000);
        var events = records.Select(r => r.Event).OfType<ClickEvent>().ToList();

        Assert.True(records.Zip(records.Skip(1)).All(p => p.First.Timestamp <= p.Second.Timestamp));
        var sessions = events.GroupBy(e => e.SessionId).ToList();
        var converted = sessions.Count(s => s.Any(e => e.Type == EventType.Purchase)) / (double)sessions.Count;
        Assert.InRange(converted, 0.02, 0.10);
        Assert.All(Enum.GetValues<EventType>(), type => Assert.Contains(events, e => e.Type == type));
        Assert.All(events.Where(e => e.Type is EventType.AddToCart or EventType.Purchase), e => Assert.True(e.ItemId is not null && e.Price > 0 && e.Quantity > 0));

        // Fraudsters are a small share of users and fail payments far more often, but not always.
        var isFraudster = records.Where(r => r.UserId is not null).GroupBy(r => r.UserId!).ToDictionary(u => u.Key, u => u.First().UserIsFraudster);
        Assert.InRange(isFraudster.Values.Count(f => f) / (double)isFraudster.Count, 0.005, 0.05);
        double FailureRate(bool fraudster) =>
            events.Count(e => e.Type == EventType.PaymentFailed && isFraudster[e.UserId] == fraudster)
            / (double)Math.Max(1, events.Count(e => e.Type == EventType.PaymentAttempt && isFraudster[e.UserId] == fraudster));
        Assert.True(FailureRate(true) > 2 * FailureRate(false));
        Assert.True(FailureRate(false) > 0);
    }

    [Fact]
    public void Decisions_log_a_probability_vector_over_their_actions_and_some_get_an_explicit_reward()
    {
        var records = Generate(4, 100_000);
        var decisions = records.Select(r => r.Decision).OfType<Decision>().ToList();
        var rewards = records.Select(r => r.Reward).OfType<Reward>().ToList();

        Assert.NotEmpty(decisions);
        Assert.All(decisions, d =>
        {
            Assert.Equal(d.Actions.Count, d.Probabilities.Count);
            Assert.Equal(1.0, d.Probabilities.Sum(), 9);
            Assert.Contains(d.ChosenAction, d.Actions);
            Assert.Equal(d.Probabilities[d.Actions.ToList().IndexOf(d.ChosenAction)], d.Probability);
        });
        var decisionIds = decisions.Select(d => d.EventId).ToHashSet();
        Assert.InRange(rewards.Count / (double)decisions.Count, 0.15, 0.45);
        Assert.All(rewards, r => Assert.Contains(r.EventId, decisionIds));
        Assert.Contains(rewards, r => r.Value > 0);
    }

    [Fact]
    public void The_catalog_publishes_each_item_before_its_first_view_and_then_drops_raises_and_restocks_prices_that_views_show()
    {
        var records = Generate(6, 200_000);
        var catalog = new Dictionary<string, ItemUpdate>();
        var changes = new List<(ItemUpdate Before, ItemUpdate After)>();
        foreach (var record in records)
        {
            if (record.Item is { } item)
            {
                Assert.Equal(item.ItemId, record.Key);
                if (catalog.TryGetValue(item.ItemId, out var before))
                {
                    changes.Add((before, item));
                }

                catalog[item.ItemId] = item;
            }
            else if (record.Event is { ItemId: { } viewed } e)
            {
                Assert.True(catalog.TryGetValue(viewed, out var state), $"{viewed} was viewed before the catalog published it");
                if (e.Type == EventType.ProductView)
                {
                    Assert.Equal(state.Price, e.Price);
                }

                if (e.Type == EventType.AddToCart && !record.UserIsFraudster)
                {
                    Assert.True(state.InStock, $"{e.EventId} carted {viewed} while it was out of stock");
                }
            }
        }

        // Drops of at least 10 % dominate; rises, stock-outs and restocks happen too.
        Assert.True(changes.Count > 100, $"{changes.Count} catalog changes");
        Assert.True(changes.Count(c => c.After.Price <= c.Before.Price * 0.9) > changes.Count / 2);
        Assert.Contains(changes, c => c.After.Price > c.Before.Price);
        Assert.Contains(changes, c => c.Before.InStock && !c.After.InStock);
        Assert.Contains(changes, c => !c.Before.InStock && c.After.InStock);
        Assert.True(records.Zip(records.Skip(1)).All(p => p.First.Timestamp <= p.Second.Timestamp));
    }

    [Fact]
    public void Without_catalog_changes_the_stream_has_no_catalog_records()
    {
        var records = new ClickstreamGenerator(new GeneratorOptions { Users = 5_000, Seed = 8, CatalogChangesPerMinute = 0 }).Take(20_000).ToList();

        Assert.DoesNotContain(records, r => r.Item is not null);
        Assert.Contains(records, r => r.Event?.ItemId is not null);
    }

    private static string Describe(GeneratedRecord r) =>
        $"{r.Timestamp.ToUnixTimeMilliseconds()}|{r.UserId}|{r.Event?.Type}|{r.Event?.ItemId}|{r.Decision?.ChosenAction}|{r.Reward?.Value}";
}
