using Streams.Engine.State;

namespace Personalization.Topology.Features;

/// <summary>
/// Where the feature code keeps a user's profile, minute tiles and hour tiles: the topology's state stores, or memory
/// when the trainer replays a file. One feature implementation runs on both, so training features match serving
/// features.
/// </summary>
public interface IUserFeatureState
{
    UserProfile? GetProfile(string userId);

    void PutProfile(string userId, UserProfile profile);

    FeatureTile? GetTile(string userId, long tileStart);

    void PutTile(string userId, long tileStart, FeatureTile tile);

    /// <summary>The user's minute tiles starting in [<paramref name="fromTileStart"/>, <paramref name="toTileStart"/>].</summary>
    IEnumerable<KeyValuePair<long, FeatureTile>> Tiles(string userId, long fromTileStart, long toTileStart);

    void PutHourTile(string userId, long hourStart, HourTile tile);

    /// <summary>The user's hour tiles starting in [<paramref name="fromHourStart"/>, <paramref name="toHourStart"/>].</summary>
    IEnumerable<KeyValuePair<long, HourTile>> HourTiles(string userId, long fromHourStart, long toHourStart);
}

/// <summary>Feature state in the topology's stores: a key-value store of profiles and window stores of minute and hour tiles.</summary>
internal sealed class StoreFeatureState(
    IKeyValueStore<string, UserProfile> profiles, IWindowStore<string, FeatureTile> tiles, IWindowStore<string, HourTile> hours) : IUserFeatureState
{
    public UserProfile? GetProfile(string userId) => profiles.TryGet(userId, out var profile) ? profile : null;

    public void PutProfile(string userId, UserProfile profile) => profiles.Put(userId, profile);

    public FeatureTile? GetTile(string userId, long tileStart) => tiles.TryFetch(userId, tileStart, out var tile) ? tile : null;

    public void PutTile(string userId, long tileStart, FeatureTile tile) => tiles.Put(userId, tile, tileStart);

    public IEnumerable<KeyValuePair<long, FeatureTile>> Tiles(string userId, long fromTileStart, long toTileStart) =>
        tiles.Fetch(userId, fromTileStart, toTileStart);

    public void PutHourTile(string userId, long hourStart, HourTile tile) => hours.Put(userId, tile, hourStart);

    public IEnumerable<KeyValuePair<long, HourTile>> HourTiles(string userId, long fromHourStart, long toHourStart) =>
        hours.Fetch(userId, fromHourStart, toHourStart);

    /// <summary>Removes the user's profile and every tile.</summary>
    public void Forget(string userId)
    {
        profiles.Delete(userId);
        DeleteAll(tiles, userId);
        DeleteAll(hours, userId);
    }

    private static void DeleteAll<TTile>(IWindowStore<string, TTile> store, string userId)
    {
        foreach (var start in store.Fetch(userId, 0, long.MaxValue).Select(tile => tile.Key).ToList())
        {
            store.Delete(userId, start);
        }
    }
}
