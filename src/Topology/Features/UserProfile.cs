using Confluent.Kafka;
using Streams.Avro;
using Streams.Engine.Serialization;

namespace Personalization.Topology.Features;

/// <summary>
/// What the features need of a user beyond the tiles: first and latest event times, the last purchase, the
/// current session, and when the user was last scored.
/// </summary>
public sealed class UserProfile
{
    /// <summary>The earliest event time seen (account age).</summary>
    public long FirstSeen { get; set; }

    /// <summary>The latest event time seen: the as-of time of the features.</summary>
    public long Latest { get; set; }

    /// <summary>The second-latest event time, or null after one event.</summary>
    public long? Previous { get; set; }

    /// <summary>The latest purchase time, if any.</summary>
    public long? LastPurchase { get; set; }

    public string? SessionId { get; set; }

    /// <summary>The earliest event time in the current session.</summary>
    public long SessionStart { get; set; }

    public int SessionEvents { get; set; }

    public DistinctValues SessionItems { get; } = new();

    public double SessionCartAdded { get; set; }

    public double SessionCartRemoved { get; set; }

    public bool SessionCheckoutStarted { get; set; }

    public int SessionProductViews { get; set; }

    public int SessionAddToCarts { get; set; }

    /// <summary>The item of the latest event that named one.</summary>
    public string? LatestItem { get; set; }

    /// <summary>The category of the latest event that named one.</summary>
    public string? LatestCategory { get; set; }

    /// <summary>Wall-clock time of the last propensity score, epoch ms; 0 if never.</summary>
    public long LastPropensityScoredAt { get; set; }

    /// <summary>The event that last changed the profile, for the score's trigger.</summary>
    public string? LastEventId { get; set; }

    /// <summary>The user changed since the last propensity score and waits in the pending store for the next one.</summary>
    public bool PropensityPending { get; set; }

    /// <summary>
    /// Every hour starting before this time that has minute tiles also has its hour tile (see <see cref="HourTile"/>).
    /// Normally the start of the latest event's hour; <see cref="long.MinValue"/> for a profile stored before hour tiles
    /// existed, whose hours are read minute by minute until its first event in a later hour rolls them up.
    /// </summary>
    public long HoursRolledUpBefore { get; set; } = long.MinValue;

    /// <summary>The store format: a version byte, then Avro-encoded fields.</summary>
    internal sealed class Serde : ISerde<UserProfile>
    {
        private const byte Version = 4;

        [ThreadStatic]
        private static AvroWriter? t_writer;

        public byte[] Serialize(UserProfile data, SerializationContext context)
        {
            if (data is null)
            {
                return null!;
            }

            var writer = t_writer ??= new AvroWriter();
            writer.Reset();
            writer.WriteRawByte(Version);
            writer.WriteLong(data.FirstSeen);
            writer.WriteLong(data.Latest);
            writer.WriteOptionalLong(data.Previous);
            writer.WriteOptionalLong(data.LastPurchase);
            writer.WriteOptionalString(data.SessionId);
            writer.WriteLong(data.SessionStart);
            writer.WriteInt(data.SessionEvents);
            writer.WriteBlockStart(data.SessionItems.Count);
            foreach (var item in data.SessionItems)
            {
                writer.WriteString(item);
            }

            writer.WriteBlocksEnd();
            writer.WriteDouble(data.SessionCartAdded);
            writer.WriteDouble(data.SessionCartRemoved);
            writer.WriteBoolean(data.SessionCheckoutStarted);
            writer.WriteLong(data.LastPropensityScoredAt);
            writer.WriteOptionalString(data.LastEventId);
            writer.WriteBoolean(data.PropensityPending);
            writer.WriteInt(data.SessionProductViews);
            writer.WriteInt(data.SessionAddToCarts);
            writer.WriteOptionalString(data.LatestItem);
            writer.WriteOptionalString(data.LatestCategory);
            writer.WriteLong(data.HoursRolledUpBefore);
            return writer.ToArray();
        }

        public UserProfile Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return null!;
            }

            // Version 1 lacked the pending flag (it reads as not pending); versions 1 and 2 lacked the session's counts
            // and the latest item and category, which read as none until the user's next event; versions 1 to 3 predate
            // hour tiles (none rolled up).
            var version = StoreFormat.Open(data, 1, Version, "user profile", out var body);
            var reader = new AvroReader(body);
            var profile = new UserProfile
            {
                FirstSeen = reader.ReadLong(),
                Latest = reader.ReadLong(),
                Previous = reader.ReadOptionalLong(),
                LastPurchase = reader.ReadOptionalLong(),
                SessionId = reader.ReadOptionalString(),
                SessionStart = reader.ReadLong(),
                SessionEvents = reader.ReadInt(),
            };
            for (var count = reader.ReadBlockCount(); count > 0; count = reader.ReadBlockCount())
            {
                profile.SessionItems.Reserve(count);
                for (var i = 0; i < count; i++)
                {
                    profile.SessionItems.Add(reader.ReadString());
                }
            }

            profile.SessionCartAdded = reader.ReadDouble();
            profile.SessionCartRemoved = reader.ReadDouble();
            profile.SessionCheckoutStarted = reader.ReadBoolean();
            profile.LastPropensityScoredAt = reader.ReadLong();
            profile.LastEventId = reader.ReadOptionalString();
            profile.PropensityPending = version >= 2 && reader.ReadBoolean();
            if (version >= 3)
            {
                profile.SessionProductViews = reader.ReadInt();
                profile.SessionAddToCarts = reader.ReadInt();
                profile.LatestItem = reader.ReadOptionalString();
                profile.LatestCategory = reader.ReadOptionalString();
            }

            if (version >= 4)
            {
                profile.HoursRolledUpBefore = reader.ReadLong();
            }

            return profile;
        }
    }
}
