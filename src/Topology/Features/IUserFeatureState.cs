using Streams.Engine.State;

namespace Personalization.Topology.Features;

/// <summary>
/// Where the feature code keeps a user's profile and minute tiles: the topology's state stores, or memory when the
/// trainer replays a file. One feature implementation runs on both, so training features match serving features.
/// </summary>
public interface IUserFeatureState
{
    UserProfile? GetProfile(string userId);

    void PutProfile(string userId, UserProfile profile);

    FeatureTile? GetTile(string userId, long tileStart);

    void PutTile(string userId, long tileStart, FeatureTile tile);

    /// <summary>The user's tiles starting in [<paramref name="fromTileStart"/>, <paramref name="toTileStart"/>].</summary>
    IEnumerable<KeyValuePair<long, FeatureTile>> Tiles(string userId, long fromTileStart, long toTileStart);
}

/// <summary>Feature state in the topology's stores: a key-value store of profiles and a window store of minute tiles.</summary>
internal sealed class StoreFeatureState(IKeyValueStore<string, UserProfile> profiles, IWindowStore<string, FeatureTile> tiles) : IUserFeatureState
{
    public UserProfile? GetProfile(string userId) => profiles.TryGet(userId, out var profile) ? profile : null;

    public void PutProfile(string userId, UserProfile profile) => profiles.Put(userId, profile);

    public void DeleteProfile(string userId) => profiles.Delete(userId);

    public FeatureTile? GetTile(string userId, long tileStart) => tiles.TryFetch(userId, tileStart, out var tile) ? tile : null;

    public void PutTile(string userId, long tileStart, FeatureTile tile) => tiles.Put(userId, tile, tileStart);

    public IEnumerable<KeyValuePair<long, FeatureTile>> Tiles(string userId, long fromTileStart, long toTileStart) =>
        tiles.Fetch(userId, fromTileStart, toTileStart);
}
