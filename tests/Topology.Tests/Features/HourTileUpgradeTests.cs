using Personalization.Topology.Features;
using Personalization.Topology.Records;

namespace Personalization.Topology.Tests.Features;

/// <summary>
/// A user whose state was written before hour tiles existed (a profile with nothing rolled up and no hour tiles) gets
/// the same features as a user whose hours were rolled up all along: first from minutes alone, then, after their first
/// event in a new hour, from the hour tiles that event rolled up.
/// </summary>
public sealed class HourTileUpgradeTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 0, 17, 0, TimeSpan.Zero);

    [Fact]
    public void Features_of_state_written_before_hour_tiles_equal_those_of_state_rolled_up_all_along()
    {
        var current = new InMemoryFeatureState();
        var legacy = new LegacyFeatureState();
        var types = new[] { EventType.ProductView, EventType.Purchase, EventType.AddToCart, EventType.Login, EventType.AddressChange };
        var compared = 0;
        for (var i = 0; i < 240; i++)
        {
            // One event every 7 minutes for 28 hours, with the last 40 after the old code was replaced.
            legacy.WritingAsOldCode = i < 200;
            var e = new ClickEvent
            {
                EventId = $"e{i}",
                UserId = "u",
                SessionId = $"s{i / 20}",
                Type = types[i % types.Length],
                Timestamp = Start.AddMinutes(i * 7),
                ItemId = $"item-{i % 4}",
                Category = $"cat-{i % 3}",
                Price = 10 + (i % 5),
                DeviceId = $"d{i % 9}",
                IpHash = $"ip{i % 11}",
                Country = i % 2 == 0 ? "DE" : "FR",
            };

            Assert.True(FeatureCalculator.Observe(current, e, out var currentProfile));
            current.PutProfile("u", currentProfile);
            Assert.True(FeatureCalculator.Observe(legacy, e, out var legacyProfile));
            legacy.PutProfile("u", legacyProfile);

            var expected = FeatureCalculator.Compute(current, "u", currentProfile);
            var actual = FeatureCalculator.Compute(legacy, "u", legacyProfile);
            Assert.True(Rounded(expected) == Rounded(actual), $"event {i}:\nexpected {expected}\n  actual {actual}");
            compared++;
        }

        Assert.Equal(240, compared);
        Assert.Equal(Start.AddMinutes(239 * 7).ToUnixTimeMilliseconds() / HourTile.SizeMs * HourTile.SizeMs, legacy.GetProfile("u")!.HoursRolledUpBefore);
        Assert.NotEmpty(legacy.HourTiles("u", 0, long.MaxValue));
    }

    private static UserFeatures Rounded(UserFeatures f) => f with
    {
        Last1h = f.Last1h with { PurchaseValue = Math.Round(f.Last1h.PurchaseValue, 6) },
        Last24h = f.Last24h with { PurchaseValue = Math.Round(f.Last24h.PurchaseValue, 6) },
        Fraud = f.Fraud with { OrderValue1h = Math.Round(f.Fraud.OrderValue1h, 6), OrderValueRatio = Math.Round(f.Fraud.OrderValueRatio, 6) },
    };

    /// <summary>While <see cref="WritingAsOldCode"/> is set, stores what the code before hour tiles stored: no hour tiles, and profiles without the rolled-up mark.</summary>
    private sealed class LegacyFeatureState : IUserFeatureState
    {
        private readonly InMemoryFeatureState _inner = new();

        public bool WritingAsOldCode { get; set; }

        public UserProfile? GetProfile(string userId) => _inner.GetProfile(userId);

        public void PutProfile(string userId, UserProfile profile)
        {
            if (WritingAsOldCode)
            {
                profile.HoursRolledUpBefore = long.MinValue;
            }

            _inner.PutProfile(userId, profile);
        }

        public FeatureTile? GetTile(string userId, long tileStart) => _inner.GetTile(userId, tileStart);

        public void PutTile(string userId, long tileStart, FeatureTile tile) => _inner.PutTile(userId, tileStart, tile);

        public IEnumerable<KeyValuePair<long, FeatureTile>> Tiles(string userId, long fromTileStart, long toTileStart) => _inner.Tiles(userId, fromTileStart, toTileStart);

        public void PutHourTile(string userId, long hourStart, HourTile tile)
        {
            if (!WritingAsOldCode)
            {
                _inner.PutHourTile(userId, hourStart, tile);
            }
        }

        public IEnumerable<KeyValuePair<long, HourTile>> HourTiles(string userId, long fromHourStart, long toHourStart) => _inner.HourTiles(userId, fromHourStart, toHourStart);
    }
}
