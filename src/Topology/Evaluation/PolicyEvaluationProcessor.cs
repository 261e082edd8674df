using System.Globalization;
using Personalization.Topology.Records;
using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.State;

namespace Personalization.Topology.Evaluation;

/// <summary>
/// Evaluates bandit policies live from the training records, which arrive keyed by the policy that logged them. For
/// each logged policy and tumbling window of decision time it keeps the logged policy's own value (every weight 1) and,
/// for every candidate (the configured baselines and the policy files), the importance-weighted sums of
/// <see cref="PolicyValue"/>. Every <see cref="EvaluationOptions.EmitInterval"/> of wall-clock time it writes the
/// estimates of the windows that received records (ON_POLICY for the logged policy, IPS and SNIPS for each candidate)
/// and sets the gauges of the latest window. Windows older than <see cref="EvaluationOptions.WindowsKept"/> are dropped.
/// </summary>
public sealed class PolicyEvaluationProcessor(EvaluationOptions options, PolicyDirectory policyFiles)
    : IProcessor<string, TrainingRecord, string, PolicyEvaluation>
{
    public const string Store = "policy-evaluation";

    private const char Logged = 'L';
    private const char Candidate = 'C';

    private readonly IReadOnlyList<ICandidatePolicy> _baselines = options.BaselinePolicies();
    private readonly long _windowMs = (long)options.Window.TotalMilliseconds;
    private readonly HashSet<string> _updated = new(StringComparer.Ordinal);
    private IProcessorContext<string, PolicyEvaluation> _context = null!;
    private IKeyValueStore<string, PolicyValue> _store = null!;
    private StreamsMetrics _metrics = null!;
    private long _latestWindow = long.MinValue;

    public void Init(IProcessorContext<string, PolicyEvaluation> context)
    {
        _context = context;
        _metrics = context.Metrics;
        _store = context.GetStateStore<IKeyValueStore<string, PolicyValue>>(Store);
        context.Schedule(options.EmitInterval, PunctuationType.WallClockTime, Emit);
    }

    public void Process(Record<string, TrainingRecord> record)
    {
        if (record.Value is not { } decision || decision.Probability is not (> 0 and <= 1))
        {
            // A logged probability outside (0, 1] carries no importance weight; such decisions are not evaluable.
            return;
        }

        var decisionTime = decision.DecisionTimestamp.ToUnixTimeMilliseconds();
        var window = decisionTime - Modulo(decisionTime, _windowMs);
        if (window < OldestKeptWindow())
        {
            return;
        }

        _latestWindow = Math.Max(_latestWindow, window);
        Accumulate(Key(decision.ModelId, window, Logged, decision.ModelId), 1, decision.Reward);
        AccumulateCandidates(_baselines, decision, window);
        AccumulateCandidates(policyFiles.Policies, decision, window);
    }

    public void Close()
    {
    }

    private void AccumulateCandidates(IReadOnlyList<ICandidatePolicy> candidates, TrainingRecord decision, long window)
    {
        foreach (var policy in candidates)
        {
            Accumulate(Key(decision.ModelId, window, Candidate, policy.Id), policy.ProbabilityOfChosen(decision) / decision.Probability, decision.Reward);
        }
    }

    private void Accumulate(string key, double weight, double reward)
    {
        var value = _store.Get(key) ?? new PolicyValue();
        value.Add(weight, reward);
        _store.Put(key, value);
        _updated.Add(key);
    }

    private void Emit(long now)
    {
        policyFiles.Refresh();
        var evaluatedAt = DateTimeOffset.FromUnixTimeMilliseconds(now);
        foreach (var key in _updated.Order(StringComparer.Ordinal))
        {
            if (_store.Get(key) is not { } value)
            {
                continue;
            }

            var (logged, window, kind, policy) = Parse(key);
            var latest = window == _latestWindow;
            if (kind == Logged)
            {
                Write(policy, logged, window, value.Count, Estimator.OnPolicy, value.Ips(), value.Count, evaluatedAt, latest);
                continue;
            }

            var ess = value.EffectiveSampleSize;
            Write(policy, logged, window, value.Count, Estimator.Ips, value.Ips(), ess, evaluatedAt, latest);
            if (value.Snips() is { } snips)
            {
                Write(policy, logged, window, value.Count, Estimator.Snips, snips, ess, evaluatedAt, latest);
            }

            if (latest)
            {
                _metrics.Gauge(EvaluationMetrics.EffectiveSampleSize, policy, logged).Set(ess);
            }
        }

        _updated.Clear();
        DropOldWindows();
    }

    private void Write(
        string policy, string logged, long window, long records, Estimator estimator, (double Estimate, double Lower, double Upper) value, double ess,
        DateTimeOffset evaluatedAt, bool latest)
    {
        _context.Forward(new Record<string, PolicyEvaluation>(policy, new PolicyEvaluation
        {
            PolicyId = policy,
            LoggedPolicy = logged,
            WindowStart = DateTimeOffset.FromUnixTimeMilliseconds(window),
            WindowEnd = DateTimeOffset.FromUnixTimeMilliseconds(window + _windowMs),
            Records = records,
            Estimator = estimator,
            Estimate = value.Estimate,
            CiLower = value.Lower,
            CiUpper = value.Upper,
            EffectiveSampleSize = ess,
            EvaluatedAt = evaluatedAt,
        }, evaluatedAt.ToUnixTimeMilliseconds()));
        if (latest)
        {
            var label = Symbols.Of(estimator);
            _metrics.Gauge(EvaluationMetrics.PolicyValue, policy, logged, label).Set(value.Estimate);
            _metrics.Gauge(EvaluationMetrics.PolicyValueLower, policy, logged, label).Set(value.Lower);
            _metrics.Gauge(EvaluationMetrics.PolicyValueUpper, policy, logged, label).Set(value.Upper);
        }
    }

    /// <summary>The start of the oldest window kept, from the latest window seen since this task started.</summary>
    private long OldestKeptWindow() => _latestWindow == long.MinValue ? long.MinValue : _latestWindow - ((options.WindowsKept - 1) * _windowMs);

    private void DropOldWindows()
    {
        var oldestKept = OldestKeptWindow();
        if (oldestKept == long.MinValue)
        {
            return;
        }

        List<string>? expired = null;
        foreach (var (key, _) in _store.All())
        {
            if (Parse(key).Window < oldestKept)
            {
                (expired ??= []).Add(key);
            }
        }

        foreach (var key in expired ?? [])
        {
            _store.Delete(key);
        }
    }

    private static long Modulo(long value, long divisor) => ((value % divisor) + divisor) % divisor;

    // Logged policy, window start (fixed width, so that keys sort by window), kind, evaluated policy.
    private static string Key(string logged, long window, char kind, string policy) =>
        string.Create(CultureInfo.InvariantCulture, $"{logged}\0{window:D15}\0{kind}\0{policy}");

    private static (string Logged, long Window, char Kind, string Policy) Parse(string key)
    {
        var parts = key.Split('\0', 4);
        return (parts[0], long.Parse(parts[1], CultureInfo.InvariantCulture), parts[2][0], parts[3]);
    }
}
