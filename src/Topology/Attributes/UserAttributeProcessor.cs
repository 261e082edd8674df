using System.Globalization;
using Confluent.Kafka;
using Personalization.Topology.Experiments;
using Personalization.Topology.Features;
using Personalization.Topology.Records;
using Personalization.Topology.Scoring;
using Streams.Avro;
using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.Serialization;
using Streams.Engine.State;

namespace Personalization.Topology.Attributes;

/// <summary>
/// Keeps each user's attributes (propensity score and decile, fraud score and risk, segment, last active) from their
/// scores and features, and emits an <see cref="AttributeUpdate"/> (the changed attributes with old and new values,
/// and the full set) only when an attribute changes at the granularity downstream cares about: scores by bucket,
/// last active by period. While the fraud guardrail is active, fraud attributes hold their last value. A forgotten
/// user's attributes are deleted and a tombstone is emitted.
/// </summary>
public sealed class UserAttributeProcessor(AttributeOptions options, FraudGuardrail guardrail, ExperimentAssigner? experiments = null)
    : IProcessor<string, ScoringOutput, string, AttributeUpdate?>
{
    public const string Store = "user-attributes";

    private readonly ExperimentAssigner _experiments = experiments ?? ExperimentAssigner.None;

    private IProcessorContext<string, AttributeUpdate?> _context = null!;
    private IKeyValueStore<string, UserAttributes> _store = null!;
    private Counter _updates = null!;
    private Counter _held = null!;

    public void Init(IProcessorContext<string, AttributeUpdate?> context)
    {
        _context = context;
        _store = context.GetStateStore<IKeyValueStore<string, UserAttributes>>(Store);
        _updates = context.Metrics.Counter(AttributeMetrics.AttributeUpdates);
        _held = context.Metrics.Counter(AttributeMetrics.FraudFlagsHeld);
    }

    public void Process(Record<string, ScoringOutput> record)
    {
        var user = record.Key;
        var output = record.Value;
        if (user is null || output is null)
        {
            return;
        }

        if (output.Features is not { } features)
        {
            _store.Delete(user);
            _context.Forward(new Record<string, AttributeUpdate?>(user, null, record.Timestamp));
            return;
        }

        var old = _store.TryGet(user, out var stored) ? stored : new UserAttributes();
        var updated = old with
        {
            Segment = SegmentOf(features),
            LastActive = Truncate(features.AsOf, options.LastActiveGranularity),
        };
        if (output.Propensity is { } propensity)
        {
            updated = updated with
            {
                PropensityScore = Bucket(propensity.Value),
                PropensityDecile = Math.Min(10, (int)Math.Floor(propensity.Value * 10) + 1),
            };
            if (updated.PropensityScore != old.PropensityScore || updated.PropensityDecile != old.PropensityDecile)
            {
                updated = updated with { PropensityModelVersion = propensity.ModelVersion };
            }
        }

        if (output.Fraud is { } fraud)
        {
            if (guardrail.IsActive)
            {
                _held.Increment();
            }
            else
            {
                updated = updated with
                {
                    FraudScore = Bucket(fraud.Value),
                    FraudRisk = fraud.Value >= options.FraudHighRisk ? RiskLevel.High : fraud.Value >= options.FraudMediumRisk ? RiskLevel.Medium : RiskLevel.Low,
                };
                if (updated.FraudScore != old.FraudScore || updated.FraudRisk != old.FraudRisk)
                {
                    updated = updated with { FraudModelVersion = fraud.ModelVersion };
                }
            }
        }

        var changes = Changes(old, updated);
        if (changes.Count == 0)
        {
            return;
        }

        _store.Put(user, updated);
        _updates.Increment();
        var update = new AttributeUpdate { UserId = user, Timestamp = features.AsOf, Changes = changes, Attributes = updated, Experiments = _experiments.Assign(user) };
        _context.Forward(new Record<string, AttributeUpdate?>(user, update, record.Timestamp));
    }

    public void Close()
    {
    }

    /// <summary>BUYER if the user ever purchased; else CART_ABANDONER with something in the cart; else NEW_VISITOR if first seen recently; else BROWSER.</summary>
    private Segment SegmentOf(UserFeatures f) =>
        f.SecondsSinceLastPurchase is not null ? Segment.Buyer
        : f.Session.CartValue > 0 || f.Last24h.AddToCart > 0 ? Segment.CartAbandoner
        : f.Fraud.AccountAgeSeconds < options.NewVisitorAge.TotalSeconds ? Segment.NewVisitor
        : Segment.Browser;

    private double Bucket(double score) => Math.Round(Math.Floor(score / options.ScoreBucket) * options.ScoreBucket, 6);

    private static DateTimeOffset Truncate(DateTimeOffset time, TimeSpan granularity) =>
        DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds() / (long)granularity.TotalMilliseconds * (long)granularity.TotalMilliseconds);

    private static List<AttributeChange> Changes(UserAttributes old, UserAttributes updated)
    {
        var changes = new List<AttributeChange>();
        Compare(changes, "propensity_score", old.PropensityScore, updated.PropensityScore);
        Compare(changes, "propensity_decile", old.PropensityDecile, updated.PropensityDecile);
        Compare(changes, "fraud_score", old.FraudScore, updated.FraudScore);
        Compare(changes, "fraud_risk", old.FraudRisk is { } oldRisk ? Symbols.Of(oldRisk) : null, updated.FraudRisk is { } newRisk ? Symbols.Of(newRisk) : null);
        Compare(changes, "segment", old.Segment is { } oldSegment ? Symbols.Of(oldSegment) : null, updated.Segment is { } newSegment ? Symbols.Of(newSegment) : null);
        Compare(changes, "last_active", old.LastActive?.ToString("O", CultureInfo.InvariantCulture), updated.LastActive?.ToString("O", CultureInfo.InvariantCulture));
        return changes;
    }

    private static void Compare<T>(List<AttributeChange> changes, string name, T? old, T? updated)
    {
        if (!EqualityComparer<T?>.Default.Equals(old, updated))
        {
            changes.Add(new AttributeChange(name, Text(old), Text(updated)));
        }
    }

    private static string? Text<T>(T? value) => value switch
    {
        null => null,
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>The store format: a version byte, then the Avro encoding of UserAttributes.</summary>
    internal sealed class Serde : ISerde<UserAttributes>
    {
        /// <summary>Format 2 added the model versions; format 1 is read with them unknown.</summary>
        private const byte Version = 2;

        public byte[] Serialize(UserAttributes data, SerializationContext context)
        {
            if (data is null)
            {
                return null!;
            }

            var writer = new AvroWriter(64);
            writer.WriteRawByte(Version);
            data.WriteTo(writer);
            return writer.ToArray();
        }

        public UserAttributes Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return null!;
            }

            var format = StoreFormat.Open(data, 1, Version, "user attributes", out var body);
            var reader = new AvroReader(body);
            return UserAttributes.ReadFrom(ref reader, withModelVersions: format >= 2);
        }
    }
}
