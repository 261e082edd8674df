namespace Personalization.Topology.Features;

/// <summary>Feature state in memory, for the trainer and for tests. Tiles older than the retention are pruned as time advances.</summary>
public sealed class InMemoryFeatureState : IUserFeatureState
{
    private readonly Dictionary<string, UserProfile> _profiles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedDictionary<long, FeatureTile>> _tiles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedDictionary<long, HourTile>> _hours = new(StringComparer.Ordinal);

    public UserProfile? GetProfile(string userId) => _profiles.GetValueOrDefault(userId);

    public void PutProfile(string userId, UserProfile profile) => _profiles[userId] = profile;

    public FeatureTile? GetTile(string userId, long tileStart) =>
        _tiles.TryGetValue(userId, out var tiles) && tiles.TryGetValue(tileStart, out var tile) ? tile : null;

    public void PutTile(string userId, long tileStart, FeatureTile tile) => Put(_tiles, userId, tileStart, tile);

    public IEnumerable<KeyValuePair<long, FeatureTile>> Tiles(string userId, long fromTileStart, long toTileStart) =>
        Between(_tiles, userId, fromTileStart, toTileStart);

    public void PutHourTile(string userId, long hourStart, HourTile tile) => Put(_hours, userId, hourStart, tile);

    public IEnumerable<KeyValuePair<long, HourTile>> HourTiles(string userId, long fromHourStart, long toHourStart) =>
        Between(_hours, userId, fromHourStart, toHourStart);

    private static void Put<TTile>(Dictionary<string, SortedDictionary<long, TTile>> byUser, string userId, long start, TTile tile)
    {
        if (!byUser.TryGetValue(userId, out var tiles))
        {
            byUser[userId] = tiles = [];
        }

        tiles[start] = tile;
        while (tiles.Count > 0 && tiles.First().Key < start - (long)FeatureCalculator.Retention.TotalMilliseconds)
        {
            tiles.Remove(tiles.First().Key);
        }
    }

    private static IEnumerable<KeyValuePair<long, TTile>> Between<TTile>(Dictionary<string, SortedDictionary<long, TTile>> byUser, string userId, long from, long to) =>
        byUser.TryGetValue(userId, out var tiles) ? tiles.Where(t => t.Key >= from && t.Key <= to) : [];
}
