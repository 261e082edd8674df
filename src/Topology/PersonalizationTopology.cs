using Personalization.Features;
using Personalization.Records;
using Personalization.Scoring;
using Streams.Engine.Dsl;
using Streams.Engine.Serialization;
using Streams.Engine.State;

namespace Personalization;

/// <summary>Everything the topology's behaviour depends on besides its collaborators.</summary>
public sealed class PersonalizationOptions
{
    public TopicOptions Topics { get; set; } = new();

    public ScoringOptions Scoring { get; set; } = new();

    /// <summary>Where the stores live: RocksDB (default) or memory (tests, benchmarks of the logic alone).</summary>
    public StoreType StoreType { get; set; } = StoreType.RocksDb;

    public void Validate() => Scoring.Validate();
}

/// <summary>
/// Builds the personalization topology: clickstream events into per-user features (minute tiles in a RocksDB window
/// store, profiles in a key-value store), scored for fraud and purchase propensity, out to <c>features.user</c>,
/// <c>scores.fraud</c> and <c>scores.propensity</c>.
/// </summary>
public sealed class PersonalizationTopology(PersonalizationOptions options, RecordSerdes serdes, ModelDirectory models, FraudGuardrail guardrail)
{
    public Streams.Engine.Graph.Topology Build()
    {
        options.Validate();
        var topics = options.Topics;
        var builder = new StreamsBuilder();
        builder.AddStateStore(Stores.KeyValue(UserScoringProcessor.ProfileStore, Serdes.String, new UserProfile.Serde(), options.StoreType));
        builder.AddStateStore(Stores.Window(
            UserScoringProcessor.TileStore, Serdes.String, new FeatureTile.Serde(),
            TimeSpan.FromMilliseconds(FeatureTile.SizeMs), FeatureCalculator.Retention, type: options.StoreType));
        builder.AddStateStore(Stores.KeyValue(UserScoringProcessor.PendingStore, Serdes.String, Serdes.Int64, options.StoreType));

        var scored = builder.Stream(topics.Clickstream, Serdes.String, serdes.ClickEvent)
            .Process(
                "user-scoring",
                () => new UserScoringProcessor(options.Scoring, models, guardrail),
                UserScoringProcessor.ProfileStore, UserScoringProcessor.TileStore, UserScoringProcessor.PendingStore);
        scored.MapValues(o => o.Features).To(topics.Features, Serdes.String, serdes.UserFeatures);
        scored.Filter((_, o) => o.Fraud is not null).MapValues(o => o.Fraud!).To(topics.FraudScores, Serdes.String, serdes.Score);
        scored.Filter((_, o) => o.Propensity is not null).MapValues(o => o.Propensity!).To(topics.PropensityScores, Serdes.String, serdes.Score);
        return builder.Build();
    }
}
