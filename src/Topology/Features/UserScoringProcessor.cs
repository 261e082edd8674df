using System.Globalization;
using Personalization.Topology.Experiments;
using Personalization.Topology.Records;
using Personalization.Topology.Scoring;
using Streams.Engine.Dsl.Processors;
using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.State;

namespace Personalization.Topology.Features;

/// <summary>
/// Folds each clickstream event into the user's minute and hour tiles and profile, and scores the user: fraud on every event
/// that carries fraud risk, propensity at most once per <see cref="ScoringOptions.PropensityInterval"/>. A user whose
/// propensity could not be rescored yet is remembered in a logged store, and a wall-clock punctuator scores every such
/// user, in one batch, once their interval has passed, so each active user gets a fresh score within the interval
/// even if no further event arrives. A forget request removes the user from all four stores.
/// </summary>
public sealed class UserScoringProcessor(ScoringOptions options, ModelDirectory models, FraudGuardrail guardrail, ExperimentAssigner? experiments = null)
    : IProcessor<string, UserInput, string, ScoringOutput>
{
    public const string ProfileStore = "user-profiles";
    public const string TileStore = "feature-tiles";
    public const string HourStore = "feature-hours";
    public const string PendingStore = "propensity-pending";

    public const string FraudModel = FraudGuardrail.Model;
    public const string PropensityModel = "propensity";

    private readonly ExperimentAssigner _experiments = experiments ?? ExperimentAssigner.None;
    private readonly long _intervalMs = (long)options.PropensityInterval.TotalMilliseconds;
    private IProcessorContext<string, ScoringOutput> _context = null!;
    private StoreFeatureState _state = null!;
    private IKeyValueStore<string, long> _pending = null!;
    private ModelScorer _fraud = null!;
    private ModelScorer _propensity = null!;
    private Counter _late = null!;
    private readonly List<(string User, UserProfile Profile, UserFeatures Features)> _due = [];
    private readonly List<string> _dueKeys = [];

    // Every pending entry due at or before this time has been scored and deleted. Scanning from here rather than from
    // the start keeps the scan from walking the deletions of earlier rounds, which RocksDB keeps until it compacts.
    private long _scannedThrough = -1;

    public void Init(IProcessorContext<string, ScoringOutput> context)
    {
        _context = context;
        _state = new StoreFeatureState(
            context.GetStateStore<IKeyValueStore<string, UserProfile>>(ProfileStore),
            context.GetStateStore<IWindowStore<string, FeatureTile>>(TileStore),
            context.GetStateStore<IWindowStore<string, HourTile>>(HourStore));
        _pending = context.GetStateStore<IKeyValueStore<string, long>>(PendingStore);
        _fraud = new ModelScorer(FraudModel, models, Heuristics.Fraud, options, context.Metrics);
        _propensity = new ModelScorer(PropensityModel, models, Heuristics.Propensity, options, context.Metrics);
        _fraud.Warm();
        _propensity.Warm();
        _late = context.Metrics.Counter(DroppedRecordMetrics.LateRecordsDropped, TileStore);
        context.Schedule(options.FlushInterval, PunctuationType.WallClockTime, ScoreDueUsers);
    }

    public void Process(Record<string, UserInput> record)
    {
        if (record.Value is { Forget: true })
        {
            Forget(record);
            return;
        }

        var e = record.Value?.Click;
        if (e is null)
        {
            return;
        }

        if (!FeatureCalculator.Observe(_state, e, out var profile))
        {
            _late.Increment();
            return;
        }

        var now = _context.CurrentSystemTimeMs;
        var scoreFraud = IsFraudRisk(e.Type);
        var scorePropensity = now - profile.LastPropensityScoredAt >= _intervalMs;
        if (!scoreFraud && !scorePropensity)
        {
            if (!profile.PropensityPending)
            {
                profile.PropensityPending = true;
                var due = profile.LastPropensityScoredAt + _intervalMs;
                _pending.Put(PendingKey(due, e.UserId), due);
                // Only a wall clock stepped back can make an entry due before the last scan; it must still be found.
                _scannedThrough = Math.Min(_scannedThrough, due - 1);
            }

            _state.PutProfile(e.UserId, profile);
            return;
        }

        if (scorePropensity)
        {
            ClearPending(e.UserId, profile);
            profile.LastPropensityScoredAt = now;
        }

        _state.PutProfile(e.UserId, profile);
        var features = FeatureCalculator.Compute(_state, e.UserId, profile);
        var arms = _experiments.Assign(e.UserId);
        Score? fraud = null;
        if (scoreFraud)
        {
            var result = _fraud.Score(features, now);
            guardrail.Record(result.Value, now);
            fraud = ToScore(FraudModel, features, result, e.EventId, now, arms);
        }

        var propensity = scorePropensity ? ToScore(PropensityModel, features, _propensity.Score(features, now), e.EventId, now, arms) : null;
        _context.Forward(new Record<string, ScoringOutput>(e.UserId, new ScoringOutput(features, fraud, propensity), record.Timestamp, record.Headers));
    }

    public void Close()
    {
    }

    /// <summary>Events that change a user's fraud risk and are scored at once.</summary>
    public static bool IsFraudRisk(EventType type) => type is EventType.CheckoutStart or EventType.PaymentAttempt or EventType.PaymentFailed
        or EventType.Purchase or EventType.AddressChange or EventType.Login;

    private void Forget(Record<string, UserInput> record)
    {
        var user = record.Key;
        if (user is null)
        {
            return;
        }

        if (_state.GetProfile(user) is { } profile)
        {
            ClearPending(user, profile);
        }

        _state.Forget(user);

        _context.Forward(new Record<string, ScoringOutput>(user, new ScoringOutput(null, null, null), record.Timestamp));
    }

    /// <summary>
    /// Pending users are keyed by the time their interval ends, then the user, so the punctuator reads only the users
    /// that are due rather than every pending one.
    /// </summary>
    private static string PendingKey(long due, string user) => due.ToString("D13", CultureInfo.InvariantCulture) + '\0' + user;

    private void ClearPending(string user, UserProfile profile)
    {
        if (profile.PropensityPending)
        {
            _pending.Delete(PendingKey(profile.LastPropensityScoredAt + _intervalMs, user));
            profile.PropensityPending = false;
        }
    }

    private void ScoreDueUsers(long now)
    {
        guardrail.Refresh(now);
        _due.Clear();
        _dueKeys.Clear();
        var from = (_scannedThrough + 1).ToString("D13", CultureInfo.InvariantCulture);
        foreach (var (key, _) in _pending.Range(from, now.ToString("D13", CultureInfo.InvariantCulture) + '\u0001'))
        {
            _dueKeys.Add(key);
            var user = key[(key.IndexOf('\0', StringComparison.Ordinal) + 1)..];
            if (_state.GetProfile(user) is { } profile)
            {
                _due.Add((user, profile, FeatureCalculator.Compute(_state, user, profile)));
            }
        }

        foreach (var key in _dueKeys)
        {
            _pending.Delete(key);
        }

        // A user is only made pending while their interval runs, so nothing due at or before now is added later.
        _scannedThrough = now;

        if (_due.Count == 0)
        {
            return;
        }

        var rows = new UserFeatures[_due.Count];
        var results = new ScoreResult[_due.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = _due[i].Features;
        }

        _propensity.Score(rows, results, now);
        for (var i = 0; i < rows.Length; i++)
        {
            var (user, profile, features) = _due[i];
            profile.LastPropensityScoredAt = now;
            profile.PropensityPending = false;
            _state.PutProfile(user, profile);
            var score = ToScore(PropensityModel, features, results[i], trigger: null, now, _experiments.Assign(user));
            _context.Forward(new Record<string, ScoringOutput>(user, new ScoringOutput(features, null, score), profile.Latest));
        }

        _due.Clear();
    }

    private static Score ToScore(string model, UserFeatures features, ScoreResult result, string? trigger, long now, IReadOnlyDictionary<string, string> arms) => new()
    {
        UserId = features.UserId,
        Model = model,
        ModelVersion = result.Version,
        Value = result.Value,
        AsOf = features.AsOf,
        TriggerEventId = trigger,
        ScoredAt = DateTimeOffset.FromUnixTimeMilliseconds(now),
        Heuristic = result.Heuristic,
        Experiments = arms,
    };
}
