using Personalization.Topology.Attributes;
using Personalization.Topology.Bandit;
using Personalization.Topology.Features;
using Personalization.Topology.Records;
using Personalization.Topology.Triggers;
using Streams.Engine.Queries;
using Streams.Engine.State;

namespace Personalization.Topology.Serving;

/// <summary>
/// Reads a user's state from the stores of the task that holds the user. The stores are read one after another while
/// the task keeps processing, so an answer may combine, say, the features of an event with the scores of the one
/// before it; each part is a state the topology has written.
/// </summary>
public static class UserStateQuery
{
    /// <summary>The store that locates a user's task (all the user's stores are in that task).</summary>
    public const string RoutingStore = UserScoringProcessor.ProfileStore;

    /// <summary>The user's state, or null when the stores know nothing of the user (never seen, or forgotten).</summary>
    public static UserState? Read(IQueryableStores stores, string userId)
    {
        ArgumentNullException.ThrowIfNull(stores);
        var profiles = stores.Store<IReadOnlyKeyValueStore<string, UserProfile>>(UserScoringProcessor.ProfileStore);
        var tiles = stores.Store<IReadOnlyWindowStore<string, FeatureTile>>(UserScoringProcessor.TileStore);
        var hours = stores.Store<IReadOnlyWindowStore<string, HourTile>>(UserScoringProcessor.HourStore);
        var attributes = stores.Store<IReadOnlyKeyValueStore<string, UserAttributes>>(UserAttributeProcessor.Store).Get(userId);
        var scores = stores.Store<IReadOnlyKeyValueStore<string, LatestScores>>(LatestScoreProcessor.Store).Get(userId);
        var profile = profiles.Get(userId);
        if (profile is null && attributes is null && scores is null)
        {
            return null;
        }

        var features = profile is null ? null : FeatureCalculator.Compute(new QueryFeatureState(profiles, tiles, hours), userId, profile);
        return new UserState(userId, attributes, scores?.Fraud, scores?.Propensity, features, profile is null ? [] : RecentActivity(tiles, userId, profile),
            PendingDecisions(stores, userId), SentTriggers(stores, userId));
    }

    /// <summary>The pending decisions, keyed <c>user\0decision</c>: one range read of the user's prefix.</summary>
    private static List<PendingDecisionView> PendingDecisions(IQueryableStores stores, string userId)
    {
        if (!stores.Has(RewardJoinProcessor.PendingStore))
        {
            return [];
        }

        return stores.Store<IReadOnlyKeyValueStore<string, PendingDecision>>(RewardJoinProcessor.PendingStore)
            .Range(userId + '\0', userId + '\u0001')
            .Select(entry => entry.Value)
            .Select(p => new PendingDecisionView(p.Decision.EventId, p.Decision.Timestamp, p.Decision.ChosenAction, p.Decision.ModelId,
                DateTimeOffset.FromUnixTimeMilliseconds(p.WindowEnd), p.Observations.Select(o => o.Value).ToList()))
            .OrderBy(d => d.At)
            .ToList();
    }

    private static List<SentTriggerView> SentTriggers(IQueryableStores stores, string userId)
    {
        if (!stores.Has(TriggerPolicyProcessor.Store)
            || stores.Store<IReadOnlyKeyValueStore<string, SentTriggers>>(TriggerPolicyProcessor.Store).Get(userId) is not { } sent)
        {
            return [];
        }

        return sent.Sent.Select(e => new SentTriggerView(Symbols.Of(e.Kind), e.Subject, DateTimeOffset.FromUnixTimeMilliseconds(e.At))).OrderBy(t => t.At).ToList();
    }

    /// <summary>The tiles of the hour ending with the user's latest event, newest first: read only when someone asks.</summary>
    private static List<ActivityMinute> RecentActivity(IReadOnlyWindowStore<string, FeatureTile> tiles, string userId, UserProfile profile)
    {
        var latest = FeatureTile.StartOf(profile.Latest);
        var minutes = new List<ActivityMinute>();
        foreach (var (start, tile) in tiles.Fetch(userId, latest - (59 * FeatureTile.SizeMs), latest))
        {
            var events = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var type = 0; type < tile.Counts.Length; type++)
            {
                if (tile.Counts[type] > 0)
                {
                    events[Symbols.Of((EventType)type)] = tile.Counts[type];
                }
            }

            minutes.Add(new ActivityMinute(DateTimeOffset.FromUnixTimeMilliseconds(start), events, [.. tile.Items.Order(StringComparer.Ordinal)],
                [.. tile.Categories.Order(StringComparer.Ordinal)]));
        }

        minutes.Reverse();
        return minutes;
    }

    /// <summary>Feature state for reading only: queries never write.</summary>
    private sealed class QueryFeatureState(
        IReadOnlyKeyValueStore<string, UserProfile> profiles, IReadOnlyWindowStore<string, FeatureTile> tiles, IReadOnlyWindowStore<string, HourTile> hours)
        : IUserFeatureState
    {
        public UserProfile? GetProfile(string userId) => profiles.Get(userId);

        public void PutProfile(string userId, UserProfile profile) => throw new InvalidOperationException("A query does not write.");

        public FeatureTile? GetTile(string userId, long tileStart) => tiles.TryFetch(userId, tileStart, out var tile) ? tile : null;

        public void PutTile(string userId, long tileStart, FeatureTile tile) => throw new InvalidOperationException("A query does not write.");

        public IEnumerable<KeyValuePair<long, FeatureTile>> Tiles(string userId, long fromTileStart, long toTileStart) => tiles.Fetch(userId, fromTileStart, toTileStart);

        public void PutHourTile(string userId, long hourStart, HourTile tile) => throw new InvalidOperationException("A query does not write.");

        public IEnumerable<KeyValuePair<long, HourTile>> HourTiles(string userId, long fromHourStart, long toHourStart) => hours.Fetch(userId, fromHourStart, toHourStart);
    }
}
