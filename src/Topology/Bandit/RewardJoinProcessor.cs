using System.Diagnostics;
using System.Runtime.InteropServices;
using Personalization.Topology.Experiments;
using Personalization.Topology.Records;
using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.State;
using Streams.Engine.Tracing;

namespace Personalization.Topology.Bandit;

/// <summary>
/// Joins each bandit decision with the rewards observed in its window (the decision time plus its reward wait, else
/// the default) into exactly one <see cref="TrainingRecord"/>. Rewards come from <c>bandit.rewards</c> by the decision's
/// event id, and are derived from the same user's clickstream inside the window (by event type). A wall-clock
/// punctuator closes windows once stream time has passed their end, or once their wait has passed on the wall clock
/// since the decision arrived, so a decision with no later events still yields its record, with the default reward if
/// nothing arrived. Rewards that arrive before their decision wait for it (up to a bound, then they are evicted and
/// counted); clicks that arrive before it are kept briefly for the same reason; rewards for a decision already written
/// are counted as late and not used. All state is in logged stores keyed by user, so a restart or rebalance loses no
/// pending decision.
/// </summary>
public sealed class RewardJoinProcessor(RewardJoinOptions options, ExperimentAssigner? experiments = null) : IProcessor<string, UserInput, string, TrainingRecord>
{
    public const string PendingStore = "pending-decisions";
    public const string EarlyRewardStore = "early-rewards";
    /// <summary>
    /// Closed decisions by user, in windows of the decision's time, so that they expire a segment at a time once event
    /// time is <see cref="RewardJoinOptions.ClosedDecisionRetention"/> past them rather than by a scan of every one, and a
    /// redelivered decision is found by one point read. Until the release that introduced it, a key-value store named
    /// <c>closed-decisions</c> held them, which is why this one has a name of its own.
    /// </summary>
    public const string ClosedStore = "closed-decisions-by-user";
    public const string RecentClickStore = "recent-reward-clicks";

    private const long EvictionIntervalMs = 10_000;

    // Users whose recent clicks are examined per punctuation (one a second by default): bounded, so a round costs about
    // the same with a million users as with a thousand, and the whole store is swept every so many rounds. The sweep
    // only bounds memory (reads filter clicks by time), so a pass may take a while; 10,000 a round made each task read
    // and deserialize every one of its users every second, a tenth of the stream thread at 7,000 events/s.
    private const int RecentSweepBudget = 1_000;

    private readonly ExperimentAssigner _experiments = experiments ?? ExperimentAssigner.None;

    private string? _recentSweepCursor;

    private long _lastEviction;
    private readonly long _defaultWaitMs = (long)options.DefaultRewardWait.TotalMilliseconds;
    private readonly long _graceMs = (long)options.Grace.TotalMilliseconds;
    private readonly long _earlyRetentionMs = (long)options.EarlyRewardRetention.TotalMilliseconds;
    private readonly long _closedRetentionMs = (long)options.ClosedDecisionRetention.TotalMilliseconds;
    private readonly long _recentRetentionMs = (long)options.RecentEventRetention.TotalMilliseconds;
    private IProcessorContext<string, TrainingRecord> _context = null!;
    private IKeyValueStore<string, PendingDecision> _pending = null!;
    private IKeyValueStore<string, EarlyRewards> _early = null!;
    private IWindowStore<string, ClosedDecisions> _closed = null!;
    private readonly DeadlineIndex _deadlines = new();

    // How many open decisions each user has, kept with _deadlines, so that a click of a user without one (nearly every
    // click) costs no range read of the pending store.
    private readonly Dictionary<string, int> _openPerUser = new(StringComparer.Ordinal);
    private readonly List<string> _due = [];
    private readonly Dictionary<(string User, long DecisionTime), ClosedDecisions> _closing = [];
    private IKeyValueStore<string, RecentClicks> _recent = null!;
    private Counter _written = null!;
    private Counter _defaults = null!;
    private Counter _late = null!;
    private Counter _evicted = null!;
    private Counter _duplicates = null!;
    private Counter _forgotten = null!;

    public void Init(IProcessorContext<string, TrainingRecord> context)
    {
        _context = context;
        _pending = context.GetStateStore<IKeyValueStore<string, PendingDecision>>(PendingStore);
        _early = context.GetStateStore<IKeyValueStore<string, EarlyRewards>>(EarlyRewardStore);
        _closed = context.GetStateStore<IWindowStore<string, ClosedDecisions>>(ClosedStore);
        _recent = context.GetStateStore<IKeyValueStore<string, RecentClicks>>(RecentClickStore);
        _written = context.Metrics.Counter(RewardJoinMetrics.TrainingRecords);
        _defaults = context.Metrics.Counter(RewardJoinMetrics.DefaultRewards);
        _late = context.Metrics.Counter(RewardJoinMetrics.LateRewards);
        _evicted = context.Metrics.Counter(RewardJoinMetrics.UnknownRewardsEvicted);
        _duplicates = context.Metrics.Counter(RewardJoinMetrics.DuplicateDecisions);
        _forgotten = context.Metrics.Counter(RewardJoinMetrics.ForgottenUsers, "reward-join");
        context.Schedule(options.CloseInterval, PunctuationType.WallClockTime, CloseWindows);

        // Derived from the store, which was restored before processors are initialized; one scan per (re)initialization
        // spares every punctuation a scan.
        _deadlines.Clear();
        _openPerUser.Clear();
        foreach (var (key, pending) in _pending.All())
        {
            Track(key, pending);
        }
    }

    public void Process(Record<string, UserInput> record)
    {
        var input = record.Value;
        if (input is null)
        {
            return;
        }

        if (input.Forget)
        {
            Forget(record.Key);
        }
        else if (input.Decision is { } decision)
        {
            OnDecision(decision, Trace(record));
        }
        else if (input.Reward is { } reward)
        {
            OnReward(reward, Trace(record));
        }
        else if (input.Click is { } click)
        {
            OnClick(click);
        }
    }

    public void Close()
    {
    }

    /// <summary>The store key of a decision: user first, so one user's decisions are one key range.</summary>
    public static string Key(string user, string decisionId) => user + '\0' + decisionId;

    /// <summary>The record's trace context while tracing is on (to link the training record to it), else nothing.</summary>
    private static string? Trace(Record<string, UserInput> record) =>
        StreamsTracing.IsEnabled ? StreamsTracing.CurrentTraceParent(record.Headers) : null;

    private void OnDecision(Decision decision, string? trace)
    {
        var key = Key(decision.UserId, decision.EventId);
        if (_pending.TryGet(key, out _) || IsClosed(decision))
        {
            _duplicates.Increment();
            return;
        }

        var start = decision.Timestamp.ToUnixTimeMilliseconds();
        var pending = new PendingDecision
        {
            Decision = decision,
            WindowEnd = start + (decision.RewardWaitMs ?? _defaultWaitMs),
            ArrivedAt = _context.CurrentSystemTimeMs,
            DecisionTrace = trace,
        };
        if (_early.TryGet(key, out var early))
        {
            pending.Observations.AddRange(early.Observations);
            pending.RewardTraces.AddRange(early.Traces);
            _early.Delete(key);
        }

        if (_recent.TryGet(decision.UserId, out var recent))
        {
            foreach (var (timestamp, reward, item) in recent.Clicks)
            {
                if (timestamp >= start && timestamp <= pending.WindowEnd && Counts(item, decision))
                {
                    pending.Observations.Add(new RewardObservation(reward, Explicit: false, timestamp));
                }
            }
        }

        _pending.Put(key, pending);
        Track(key, pending);
    }

    private void OnReward(Reward reward, string? trace)
    {
        var key = Key(reward.UserId, reward.EventId);
        var observation = new RewardObservation(reward.Value, Explicit: true, reward.Timestamp.ToUnixTimeMilliseconds());
        if (_pending.TryGet(key, out var pending))
        {
            pending.Observations.Add(observation);
            if (trace is not null)
            {
                pending.RewardTraces.Add(trace);
            }

            _pending.Put(key, pending);
        }
        else if (WasClosed(reward))
        {
            _late.Increment();
        }
        else
        {
            var early = _early.TryGet(key, out var existing) ? existing : new EarlyRewards { FirstSeen = _context.CurrentSystemTimeMs };
            early.Observations.Add(observation);
            if (trace is not null)
            {
                early.Traces.Add(trace);
            }

            _early.Put(key, early);
        }
    }

    private void OnClick(ClickEvent click)
    {
        if (!options.DerivedRewards.TryGetValue(click.Type, out var reward))
        {
            return;
        }

        var timestamp = click.Timestamp.ToUnixTimeMilliseconds();
        var recent = _recent.TryGet(click.UserId, out var existing) ? existing : new RecentClicks();
        recent.Add(timestamp, reward, click.ItemId, _recentRetentionMs);
        _recent.Put(click.UserId, recent);
        if (!_openPerUser.ContainsKey(click.UserId))
        {
            return;
        }

        foreach (var (key, pending) in UserRange(_pending, click.UserId))
        {
            var start = pending.Decision.Timestamp.ToUnixTimeMilliseconds();
            if (timestamp >= start && timestamp <= pending.WindowEnd && Counts(click.ItemId, pending.Decision))
            {
                pending.Observations.Add(new RewardObservation(reward, Explicit: false, timestamp));
                _pending.Put(key, pending);
            }
        }
    }

    private bool Counts(string? item, Decision decision) => !options.DerivedRewardsRequireChosenAction || item == decision.ChosenAction;

    /// <summary>
    /// Closes every window whose end (plus grace) stream time has passed, or whose wait (plus grace) has passed on the
    /// wall clock since the decision arrived: live traffic closes on time, a replay closes as its events go by, and a
    /// decision followed by nothing still closes.
    /// </summary>
    private void CloseWindows(long now)
    {
        var streamTime = _context.CurrentStreamTimeMs;
        _due.Clear();
        _deadlines.TakeDue(streamTime, now, _due);
        foreach (var key in _due)
        {
            Untrack(key);
            if (!_pending.TryGet(key, out var pending))
            {
                continue;
            }

            _pending.Delete(key);
            MarkClosed(pending.Decision);
            var record = ToTrainingRecord(pending, now);
            _written.Increment();
            if (record.RewardSource == RewardSource.Default)
            {
                _defaults.Increment();
            }

            using (var span = StartJoinSpan(pending))
            {
                _context.Forward(new Record<string, TrainingRecord>(record.UserId, record, pending.WindowEnd));
            }
        }

        foreach (var ((user, decisionTime), closed) in _closing)
        {
            _closed.Put(user, closed, decisionTime);
        }

        _closing.Clear();
        SweepRecentClicks(streamTime);

        // Early rewards wait for decisions that are late, so there are few of them, but finding the expired ones is a
        // scan, so it runs every few seconds rather than on every close.
        if (now - _lastEviction >= EvictionIntervalMs)
        {
            _lastEviction = now;
            EvictEarlyRewards(now);
        }
    }

    /// <summary>When the decision's window closes: on stream time, and on the wall clock since it arrived.</summary>
    private void Track(string key, PendingDecision pending)
    {
        var wait = pending.WindowEnd - pending.Decision.Timestamp.ToUnixTimeMilliseconds();
        _deadlines.Add(key, pending.WindowEnd + _graceMs, pending.ArrivedAt + wait + _graceMs);
        ref var open = ref CollectionsMarshal.GetValueRefOrAddDefault(_openPerUser, pending.Decision.UserId, out _);
        open++;
    }

    /// <summary>Counts a tracked decision out of its user's open ones, once it has left <see cref="_deadlines"/>.</summary>
    private void Untrack(string key)
    {
        var byUser = _openPerUser.GetAlternateLookup<ReadOnlySpan<char>>();
        var user = key.AsSpan(0, key.IndexOf('\0', StringComparison.Ordinal));
        if (byUser.TryGetValue(user, out var open))
        {
            if (open <= 1)
            {
                byUser.Remove(user);
            }
            else
            {
                byUser[user] = open - 1;
            }
        }
    }

    /// <summary>Adds the decision to the closed ones of its user and time, written out at the punctuation's end.</summary>
    private void MarkClosed(Decision decision)
    {
        var window = (User: decision.UserId, DecisionTime: decision.Timestamp.ToUnixTimeMilliseconds());
        if (!_closing.TryGetValue(window, out var closed))
        {
            closed = _closed.TryFetch(window.User, window.DecisionTime, out var existing) ? existing : new ClosedDecisions();
            _closing[window] = closed;
        }

        closed.DecisionIds.Add(decision.EventId);
    }

    private bool IsClosed(Decision decision)
    {
        var time = decision.Timestamp.ToUnixTimeMilliseconds();
        return time >= RememberedFrom && _closed.TryFetch(decision.UserId, time, out var closed) && closed.DecisionIds.Contains(decision.EventId);
    }

    /// <summary>
    /// The oldest decision time still remembered as closed. The store drops its data a segment at a time, as later
    /// decisions close; this makes the retention exact and independent of when that happens.
    /// </summary>
    private long RememberedFrom => Math.Max(0, _context.CurrentStreamTimeMs - _closedRetentionMs);

    /// <summary>
    /// Whether the reward's decision was closed. A reward does not carry its decision's time, so this reads the user's
    /// closed decisions of the whole retention; only rewards that find no open decision get here, the late and the early.
    /// </summary>
    private bool WasClosed(Reward reward)
    {
        foreach (var (_, closed) in _closed.Fetch(reward.UserId, RememberedFrom, long.MaxValue))
        {
            if (closed.DecisionIds.Contains(reward.EventId))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The span a training record is written under (its output then carries this span's context): a child of the
    /// decision's trace, linked to the decision and to each explicit reward, so a trace leads from a training record to
    /// what made it. Null while tracing is off or when the decision arrived untraced.
    /// </summary>
    private static Activity? StartJoinSpan(PendingDecision pending)
    {
        if (pending.DecisionTrace is null || !PersonalizationTracing.Source.HasListeners()
            || !ActivityContext.TryParse(pending.DecisionTrace, null, out var decision))
        {
            return null;
        }

        var links = new List<ActivityLink> { new(decision, new ActivityTagsCollection { ["streams.link"] = "decision" }) };
        foreach (var reward in pending.RewardTraces)
        {
            if (ActivityContext.TryParse(reward, null, out var context))
            {
                links.Add(new ActivityLink(context, new ActivityTagsCollection { ["streams.link"] = "reward" }));
            }
        }

        var span = PersonalizationTracing.Source.StartActivity("reward-join", ActivityKind.Producer, decision, links: links);
        span?.SetTag("bandit.decision_id", pending.Decision.EventId);
        span?.SetTag("bandit.rewards_linked", links.Count - 1);
        return span;
    }

    /// <summary>
    /// Forgets the recent clicks of users whose latest click is older than the retention before stream time. A user's
    /// list is pruned when they click again; this removes the users who do not, or the store would keep every user
    /// ever seen. Each call examines the next <see cref="RecentSweepBudget"/> users after where the last one stopped.
    /// </summary>
    private void SweepRecentClicks(long streamTime)
    {
        var examined = 0;
        var expired = new List<string>();
        string? last = null;
        foreach (var (user, recent) in _recent.Range(_recentSweepCursor, null))
        {
            if (user == _recentSweepCursor)
            {
                continue;
            }

            last = user;
            if (recent.Latest < streamTime - _recentRetentionMs)
            {
                expired.Add(user);
            }

            if (++examined == RecentSweepBudget)
            {
                break;
            }
        }

        foreach (var user in expired)
        {
            _recent.Delete(user);
        }

        // A round that reached the end starts the next pass from the beginning.
        _recentSweepCursor = examined == RecentSweepBudget ? last : null;
    }

    private TrainingRecord ToTrainingRecord(PendingDecision pending, long now)
    {
        var (reward, source) = Combine(pending.Observations);
        var decision = pending.Decision;
        return new TrainingRecord
        {
            DecisionId = decision.EventId,
            UserId = decision.UserId,
            DecisionTimestamp = decision.Timestamp,
            Context = decision.Context,
            Actions = decision.Actions,
            ChosenAction = decision.ChosenAction,
            Probability = decision.Probability,
            Probabilities = decision.Probabilities,
            ModelId = decision.ModelId,
            Reward = reward,
            RewardSource = source,
            Observations = pending.Observations.Count,
            WindowEnd = DateTimeOffset.FromUnixTimeMilliseconds(pending.WindowEnd),
            JoinedAt = DateTimeOffset.FromUnixTimeMilliseconds(now),
            Experiments = _experiments.Assign(decision.UserId),
        };
    }

    /// <summary>The reward function over the observations, and where the result came from.</summary>
    private (double Reward, RewardSource Source) Combine(List<RewardObservation> observations)
    {
        if (observations.Count == 0)
        {
            return (options.DefaultReward, RewardSource.Default);
        }

        static RewardSource SourceOf(RewardObservation o) => o.Explicit ? RewardSource.Explicit : RewardSource.Derived;
        switch (options.RewardFunction)
        {
            case RewardFunction.Sum:
                var explicitSeen = observations.Exists(o => o.Explicit);
                var derivedSeen = observations.Exists(o => !o.Explicit);
                return (observations.Sum(o => o.Value), explicitSeen && derivedSeen ? RewardSource.Mixed : explicitSeen ? RewardSource.Explicit : RewardSource.Derived);
            case RewardFunction.First:
                var first = observations.MinBy(o => o.Timestamp);
                return (first.Value, SourceOf(first));
            case RewardFunction.Last:
                var last = observations.MaxBy(o => o.Timestamp);
                return (last.Value, SourceOf(last));
            default:
                // Ties between an explicit and a derived maximum are credited to the explicit reward.
                var max = observations.OrderByDescending(o => o.Value).ThenByDescending(o => o.Explicit).First();
                return (max.Value, SourceOf(max));
        }
    }

    private void Forget(string? user)
    {
        if (user is null)
        {
            return;
        }

        foreach (var key in UserRange(_pending, user).Select(e => e.Key).ToList())
        {
            _pending.Delete(key);
            _deadlines.Remove(key);
            Untrack(key);
        }

        foreach (var key in UserRange(_early, user).Select(e => e.Key).ToList())
        {
            _early.Delete(key);
        }

        foreach (var closedAt in _closed.Fetch(user, 0, long.MaxValue).Select(e => e.Key).ToList())
        {
            _closed.Delete(user, closedAt);
        }

        _recent.Delete(user);
        _forgotten.Increment();
    }

    private static IEnumerable<KeyValuePair<string, T>> UserRange<T>(IKeyValueStore<string, T> store, string user) =>
        store.Range(user + '\0', user + '\u0001');

    private void EvictEarlyRewards(long now)
    {
        var expired = new List<string>();
        foreach (var (key, early) in _early.All())
        {
            if (early.FirstSeen + _earlyRetentionMs <= now)
            {
                expired.Add(key);
            }
        }

        foreach (var key in expired)
        {
            _early.Delete(key);
            _evicted.Increment();
        }
    }
}
