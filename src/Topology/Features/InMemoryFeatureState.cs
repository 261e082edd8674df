namespace Personalization.Topology.Features;

/// <summary>Feature state in memory, for the trainer and for tests. Tiles older than the retention are pruned as time advances.</summary>
public sealed class InMemoryFeatureState : IUserFeatureState
{
    private readonly Dictionary<string, UserProfile> _profiles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedDictionary<long, FeatureTile>> _tiles = new(StringComparer.Ordinal);

    public UserProfile? GetProfile(string userId) => _profiles.GetValueOrDefault(userId);

    public void PutProfile(string userId, UserProfile profile) => _profiles[userId] = profile;

    public FeatureTile? GetTile(string userId, long tileStart) =>
        _tiles.TryGetValue(userId, out var tiles) && tiles.TryGetValue(tileStart, out var tile) ? tile : null;

    public void PutTile(string userId, long tileStart, FeatureTile tile)
    {
        if (!_tiles.TryGetValue(userId, out var tiles))
        {
            _tiles[userId] = tiles = [];
        }

        tiles[tileStart] = tile;
        while (tiles.Count > 0 && tiles.First().Key < tileStart - (long)FeatureCalculator.Retention.TotalMilliseconds)
        {
            tiles.Remove(tiles.First().Key);
        }
    }

    public IEnumerable<KeyValuePair<long, FeatureTile>> Tiles(string userId, long fromTileStart, long toTileStart) =>
        _tiles.TryGetValue(userId, out var tiles)
            ? tiles.Where(t => t.Key >= fromTileStart && t.Key <= toTileStart)
            : [];
}
