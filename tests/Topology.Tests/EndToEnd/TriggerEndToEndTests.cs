using Confluent.Kafka;
using Personalization.Simulation;
using Personalization.Topology.Records;
using Personalization.Topology.Scoring;
using Personalization.Topology.Triggers;
using Streams.Engine.Queries;
using Streams.Engine.Runtime;
using Streams.Engine.Tasks;
using Xunit.Abstractions;

namespace Personalization.Topology.Tests.EndToEnd;

[Collection(KafkaCollection.Name)]
public sealed class TriggerEndToEndTests(KafkaClusterFixture kafka, ITestOutputHelper output) : PersonalizationEndToEndTest(kafka)
{
    /// <summary>
    /// The generator's clickstream and catalog on the cluster, the catalog with fewer partitions than the user topics:
    /// item triggers reach users who showed interest before the catalog change that caused them, every open cart is
    /// either abandoned or counted as held back, and the policy's cap holds.
    /// </summary>
    [Fact]
    public async Task Generated_catalog_changes_and_carts_become_triggers_for_exactly_the_users_the_rules_name()
    {
        var topics = UniqueTopics();
        foreach (var (topic, _) in topics.All())
        {
            await Kafka.CreateTopicAsync(topic, topic == topics.DeadLetters ? 1 : topic == topics.Catalog ? 2 : 4);
        }

        var generated = new ClickstreamGenerator(new GeneratorOptions
        {
            Users = 300, Seed = 21, Start = DateTimeOffset.UtcNow.AddHours(-2), CatalogChangesPerMinute = 60, Items = 500,
        }).Take(6000).ToList();
        var catalog = generated.Select(r => r.Item).OfType<ItemUpdate>().ToList();
        var events = generated.Select(r => r.Event).OfType<ClickEvent>().ToList();
        var openCarts = OpenCartsAtTheEnd(events);

        using var serdes = new RecordSerdes(RecordSchemas.LocalRegistry());
        var options = new PersonalizationOptions { Topics = topics };
        options.Triggers.CartCheckInterval = TimeSpan.FromSeconds(1);
        using var models = new ModelDirectory(new ModelOptions { Directory = ScoringHarness.ShippedModels });
        models.Start();
        var config = Kafka.StreamsConfig(Name("trigger-app"), StateDir("a"));
        config.DeadLetterTopic = topics.DeadLetters;
        await using var streams = new KafkaStreams(
            new PersonalizationTopology(options, serdes, models, new FraudGuardrail(options.Scoring)).Build(), config, Kafka.TopicAdmin, new TestOutputLoggerFactory(output, "a"));
        await streams.StartAsync();

        // Fed as live traffic arrives: a catalog change comes after the views before it have reached the item index. On a
        // backlog the item task takes its partitions in timestamp order, but views still being re-keyed by the user tasks
        // are not on its partition yet, so a catalog change could overtake them (docs/topology.md, "Triggers").
        var interestTopic = $"{config.ApplicationId}-trigger-item-interest-repartition";
        var published = new HashSet<string>();
        var wave = new List<GeneratedRecord>();
        long clicksSent = 0;
        foreach (var record in generated)
        {
            if (record.Item is { } item && !published.Add(item.ItemId))
            {
                await ProduceAsync(wave, topics);
                clicksSent += wave.Count(r => r.Event is not null);
                wave.Clear();
                await WaitForAsync(
                    () => streams.Metrics.CounterValue(TaskMetrics.RecordsConsumed, topics.Clickstream) == clicksSent
                        && streams.Metrics.CounterValue(TaskMetrics.RecordsConsumed, interestTopic) == streams.Metrics.CounterValue(TaskMetrics.RecordsProduced, interestTopic),
                    TimeSpan.FromSeconds(30), "the views so far to reach the item index");
            }

            wave.Add(record);
        }

        // Then a page view on each user partition half an hour past the last event: stream time passes every open cart's
        // deadline (the wall-clock path would wait 30 minutes of silence).
        var end = generated[^1].Timestamp + options.Triggers.CartTimeout + TimeSpan.FromMinutes(1);
        wave.AddRange(Enumerable.Range(0, 4).Select(partition => Tick(partition, end)));
        await ProduceAsync(wave, topics);

        long CartsDecided() => streams.Metrics.CounterValue(TriggerMetrics.Triggers, "CART_ABANDONED")
            + new[] { "fraud_hold", "duplicate", "frequency_cap" }.Sum(reason => streams.Metrics.CounterValue(TriggerMetrics.Suppressed, "CART_ABANDONED", reason));
        await WaitForAsync(() => CartsDecided() >= openCarts.Count, TimeSpan.FromSeconds(90), "every open cart to be abandoned or held back");
        var triggers = Kafka.ReadUntil(topics.Triggers, Deserializers.Utf8, serdes.Trigger,
            r => r.Count(t => t.Message.Value.Kind == TriggerKind.CartAbandoned) >= streams.Metrics.CounterValue(TriggerMetrics.Triggers, "CART_ABANDONED"),
            TimeSpan.FromSeconds(30)).Select(r => r.Message.Value).ToList();
        var itemTriggers = triggers.Where(t => t.Kind != TriggerKind.CartAbandoned).ToList();
        output.WriteLine($"{events.Count} events, {catalog.Count} catalog records, {openCarts.Count} open carts: {triggers.Count} triggers, {itemTriggers.Count} of items");

        Assert.Equal(StreamsState.Running, streams.State);
        Assert.Equal(openCarts.Count, CartsDecided());
        Assert.NotEmpty(itemTriggers);
        Assert.Equal(triggers.Count, triggers.Select(t => t.TriggerId).Distinct().Count());
        Assert.All(triggers.GroupBy(t => t.UserId), user => Assert.True(user.Count() <= options.Triggers.MaxPerUserPerDay, $"{user.Key} got {user.Count()}"));
        Assert.All(triggers.Where(t => t.Kind == TriggerKind.CartAbandoned), t =>
        {
            var cart = openCarts[t.UserId];
            Assert.Equal(cart.OrderBy(l => l.Key).Select(l => (l.Key, l.Value.Quantity)), t.Items.OrderBy(i => i.ItemId).Select(i => (i.ItemId, i.Quantity)));
            Assert.Equal(Math.Round(cart.Values.Sum(l => l.Price * l.Quantity), 2), t.CartValue);
        });
        Assert.All(itemTriggers, t =>
        {
            var item = t.Items[0].ItemId;
            var changes = catalog.Where(c => c.ItemId == item).ToList();
            var cause = Assert.Single(changes, c => c.UpdatedAt == t.CauseTime);
            var before = changes[changes.IndexOf(cause) - 1];
            Assert.Equal(cause.Price, t.NewPrice);
            Assert.True(t.Kind == TriggerKind.BackInStock ? !before.InStock && cause.InStock : cause.Price < before.Price && cause.Price <= t.OldPrice * 0.9 + 1e-9,
                $"{t.TriggerId}: {before.Price} {before.InStock} -> {cause.Price} {cause.InStock}");
            Assert.Contains(events, e => e.UserId == t.UserId && e.ItemId == item && e.Timestamp <= t.CauseTime && e.Timestamp == t.InterestAt);
        });
    }

    /// <summary>A page view by a user of its own whose key lands on <paramref name="partition"/> of the 4 user partitions.</summary>
    private static GeneratedRecord Tick(int partition, DateTimeOffset at)
    {
        var user = Enumerable.Range(0, 1000).Select(i => $"clock-{i}").First(key => KeyPartitioner.Partition(System.Text.Encoding.UTF8.GetBytes(key), 4) == partition);
        return new GeneratedRecord(new ClickEvent { EventId = "tick-" + user, UserId = user, SessionId = user, Type = EventType.PageView, Timestamp = at }, null, null, false);
    }

    /// <summary>Each user's cart after all events: lines by item with quantity and the price of the latest addition.</summary>
    private static Dictionary<string, Dictionary<string, (int Quantity, double Price)>> OpenCartsAtTheEnd(IEnumerable<ClickEvent> events)
    {
        var carts = new Dictionary<string, Dictionary<string, (int Quantity, double Price)>>();
        foreach (var e in events)
        {
            switch (e.Type)
            {
                case EventType.AddToCart:
                    var cart = carts.TryGetValue(e.UserId, out var existing) ? existing : carts[e.UserId] = [];
                    var line = cart.GetValueOrDefault(e.ItemId!);
                    cart[e.ItemId!] = (line.Quantity + Math.Max(1, e.Quantity ?? 1), e.Price ?? line.Price);
                    break;
                case EventType.RemoveFromCart when carts.TryGetValue(e.UserId, out var open) && open.TryGetValue(e.ItemId!, out var removed):
                    var left = e.Quantity is { } units ? removed.Quantity - units : 0;
                    if (left > 0)
                    {
                        open[e.ItemId!] = removed with { Quantity = left };
                    }
                    else
                    {
                        open.Remove(e.ItemId!);
                    }

                    if (open.Count == 0)
                    {
                        carts.Remove(e.UserId);
                    }

                    break;
                case EventType.CheckoutStart or EventType.Purchase:
                    carts.Remove(e.UserId);
                    break;
            }
        }

        return carts;
    }
}
