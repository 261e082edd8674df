using Personalization.Topology.Attributes;
using Personalization.Topology.Records;
using Streams.Engine.Dsl;
using Streams.Engine.Serialization;
using Streams.Engine.State;

namespace Personalization.Topology.Triggers;

/// <summary>
/// The trigger paths of the topology, on the engine's DSL. Users' item interest is re-keyed by item (repartition
/// <c>trigger-item-interest</c>), priced by a join with the catalog table, and kept in each item's index next to the
/// catalog's changes; the candidates a change fires are re-keyed back by user (repartition <c>trigger-candidates</c>)
/// and meet the cart-abandonment candidates at the policy, which writes <c>triggers.outbound</c>. The item side is a
/// sub-topology of its own with the partition count of <c>catalog.items</c>.
/// </summary>
internal static class TriggerTopology
{
    public const string CatalogStore = "trigger-catalog";

    public static void Add(StreamsBuilder builder, KStream<string, UserInput> userEvents, PersonalizationOptions options, RecordSerdes serdes)
    {
        var triggers = options.Triggers;
        var storeType = options.StoreType;
        builder.AddStateStore(Stores.KeyValue(UserInterestProcessor.Store, Serdes.String, new UserItems.Serde(), storeType));
        builder.AddStateStore(Stores.KeyValue(ItemTriggerProcessor.WatchStore, Serdes.String, new ItemWatch.Serde(), storeType));
        builder.AddStateStore(Stores.KeyValue(ItemTriggerProcessor.InterestStore, Serdes.String, new InterestEntry.Serde(), storeType));
        builder.AddStateStore(Stores.KeyValue(CartAbandonmentProcessor.Store, Serdes.String, new Cart.Serde(), storeType));
        builder.AddStateStore(Stores.KeyValue(TriggerPolicyProcessor.Store, Serdes.String, new SentTriggers.Serde(), storeType));

        var catalog = builder.Table(options.Topics.Catalog, Serdes.String, serdes.ItemUpdate, Materialized.As(CatalogStore) with { StoreType = storeType });
        var interest = userEvents
            .Process("trigger-interest", () => new UserInterestProcessor(triggers), UserInterestProcessor.Store)
            .Repartition(Grouped.With(Serdes.String, new ItemInterest.Serde(), "trigger-item-interest"))
            .LeftJoin(catalog, (interest, item) => ItemInput.Of(interest with { PriceSeen = item?.Price }), "trigger-interest-priced");
        var candidates = catalog.ToStream(name: "trigger-catalog-changes")
            .MapValues(update => ItemInput.Of(update), "trigger-catalog-inputs")
            .Merge(interest, "trigger-item-inputs")
            .Process("item-triggers", () => new ItemTriggerProcessor(triggers), ItemTriggerProcessor.WatchStore, ItemTriggerProcessor.InterestStore)
            .Repartition(Grouped.With(Serdes.String, new TriggerCandidate.Serde(), "trigger-candidates"));
        userEvents
            .Process("cart-abandonment", () => new CartAbandonmentProcessor(triggers), CartAbandonmentProcessor.Store)
            .Merge(candidates, "trigger-policy-inputs")
            .Process("trigger-policy", () => new TriggerPolicyProcessor(triggers), TriggerPolicyProcessor.Store, UserAttributeProcessor.Store)
            .To(options.Topics.Triggers, Serdes.String, serdes.Trigger);
    }
}
