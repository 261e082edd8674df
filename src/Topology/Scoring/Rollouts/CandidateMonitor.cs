using System.Diagnostics;
using Streams.Engine.Metrics;

namespace Personalization.Topology.Scoring.Rollouts;

/// <summary>
/// Compares one candidate version with the serving version on the rows both scored, over a window of the latest
/// compared rows, and rolls the candidate back the moment it breaks a guard: an error, a run of rows over its latency
/// budget, a score distribution that drifted too far from the serving version's, or (for the fraud model) a high-risk
/// share that would turn the fraud guardrail on where the serving version's would not. One instance per candidate and
/// process, shared by every task that scores the model; a rollback is final for this candidate version.
/// </summary>
public sealed class CandidateMonitor
{
    private const int Bins = 10;

    private readonly RolloutGuards _guards;
    private readonly long _budgetTicks;
    private readonly double? _highRisk;
    private readonly double _guardrailCeiling;
    private readonly int _guardrailMinScores;
    private readonly float[] _serving;
    private readonly float[] _candidate;
    private readonly int[] _servingBins = new int[Bins];
    private readonly int[] _candidateBins = new int[Bins];
    private readonly Lock _lock = new();
    private readonly Counter _comparisons;
    private readonly Gauge _drift;
    private readonly Gauge _agreementGauge;
    private readonly Gauge _differenceGauge;
    private readonly Histogram _servingScores;
    private readonly Histogram _candidateScores;
    private readonly Histogram _servingDuration;
    private readonly Histogram _candidateDuration;
    private readonly StreamsMetrics _metrics;
    private int _count;
    private int _next;
    private int _agreeing;
    private double _absoluteDifference;
    private int _servingHigh;
    private int _candidateHigh;
    private int _overBudget;
    private volatile int _rolledBack = -1;   // the RollbackReason once rolled back

    /// <param name="highRisk">For the fraud model: the high-risk threshold, ceiling and minimum scores of the fraud guardrail.</param>
    internal CandidateMonitor(string model, string version, RolloutGuards guards, StreamsMetrics metrics, (double Threshold, double Ceiling, int MinScores)? highRisk)
    {
        Model = model;
        Version = version;
        _guards = guards;
        _metrics = metrics;
        _budgetTicks = (long)(guards.LatencyBudget.TotalSeconds * Stopwatch.Frequency);
        _highRisk = highRisk?.Threshold;
        _guardrailCeiling = highRisk?.Ceiling ?? 1;
        _guardrailMinScores = Math.Max(guards.MinScores, highRisk?.MinScores ?? 0);
        _serving = new float[guards.Window];
        _candidate = new float[guards.Window];
        _comparisons = metrics.Counter(RolloutMetrics.Comparisons, model, version);
        _drift = metrics.Gauge(RolloutMetrics.Drift, model, version);
        _agreementGauge = metrics.Gauge(RolloutMetrics.Agreement, model, version);
        _differenceGauge = metrics.Gauge(RolloutMetrics.MeanAbsoluteDifference, model, version);
        _servingScores = metrics.Histogram(RolloutMetrics.Scores, model, version, "serving");
        _candidateScores = metrics.Histogram(RolloutMetrics.Scores, model, version, "candidate");
        _servingDuration = metrics.Histogram(RolloutMetrics.RowDuration, model, version, "serving");
        _candidateDuration = metrics.Histogram(RolloutMetrics.RowDuration, model, version, "candidate");
    }

    public string Model { get; }

    public string Version { get; }

    /// <summary>False once the candidate was rolled back; scorers stop using it at their next row.</summary>
    public bool Active => _rolledBack < 0;

    /// <summary>Why the candidate was rolled back, or null while it is active.</summary>
    public RollbackReason? RolledBackFor => _rolledBack < 0 ? null : (RollbackReason)_rolledBack;

    /// <summary>The rollback's explanation (the guard and the figures that broke it), or null.</summary>
    public string? RollbackDetail { get; private set; }

    /// <summary>Raised once, on the thread that observed the breach, when the candidate is rolled back.</summary>
    public event Action<CandidateMonitor>? RolledBack;

    /// <summary>The figures of the current window.</summary>
    public RolloutComparison Comparison
    {
        get
        {
            lock (_lock)
            {
                return new RolloutComparison(_count, _comparisons.Value, Drift(), Ratio(_agreeing), _count == 0 ? 0 : _absoluteDifference / _count,
                    _highRisk is null ? null : Ratio(_servingHigh), _highRisk is null ? null : Ratio(_candidateHigh));
            }
        }
    }

    /// <summary>Records one row both versions scored, with the time each took, and judges the guards.</summary>
    public void Observe(double serving, long servingTicks, double candidate, long candidateTicks)
    {
        _servingScores.Observe(serving);
        _candidateScores.Observe(candidate);
        _servingDuration.Observe((double)servingTicks / Stopwatch.Frequency);
        _candidateDuration.Observe((double)candidateTicks / Stopwatch.Frequency);
        _comparisons.Increment();
        lock (_lock)
        {
            if (!Active)
            {
                return;
            }

            if (candidateTicks <= _budgetTicks)
            {
                _overBudget = 0;
            }
            else if (++_overBudget >= _guards.LatencyBreaches)
            {
                RollBack(RollbackReason.Latency, $"{_overBudget} rows in a row took longer than {_guards.LatencyBudget.TotalMilliseconds} ms "
                    + $"(the last {(double)candidateTicks / Stopwatch.Frequency * 1000:0.###} ms)");
                return;
            }

            Add(serving, candidate);
            if (_count < _guards.MinScores)
            {
                return;
            }

            var drift = Drift();
            _drift.Set(drift);
            _agreementGauge.Set(Ratio(_agreeing));
            _differenceGauge.Set(_absoluteDifference / _count);
            if (drift > _guards.MaxDrift)
            {
                RollBack(RollbackReason.Drift, $"the population stability index against the serving version is {drift:0.###} over {_count} rows, above {_guards.MaxDrift}");
                return;
            }

            if (_highRisk is not null && _count >= _guardrailMinScores && Ratio(_candidateHigh) > _guardrailCeiling && Ratio(_servingHigh) <= _guardrailCeiling)
            {
                RollBack(RollbackReason.Guardrail, $"{Ratio(_candidateHigh):P1} of its scores over {_count} rows are high risk (the serving version's: "
                    + $"{Ratio(_servingHigh):P1}), above the guardrail's ceiling of {_guardrailCeiling:P1}");
            }
        }
    }

    /// <summary>The candidate threw or scored outside [0, 1] on a row.</summary>
    public void Failed(string error)
    {
        lock (_lock)
        {
            if (Active)
            {
                RollBack(RollbackReason.Error, error);
            }
        }
    }

    private void Add(double serving, double candidate)
    {
        if (_count == _serving.Length)
        {
            Remove(_serving[_next], _candidate[_next]);
        }
        else
        {
            _count++;
        }

        _serving[_next] = (float)serving;
        _candidate[_next] = (float)candidate;
        _next = (_next + 1) % _serving.Length;
        var servingBin = Bin(serving);
        var candidateBin = Bin(candidate);
        _servingBins[servingBin]++;
        _candidateBins[candidateBin]++;
        _agreeing += servingBin == candidateBin ? 1 : 0;
        _absoluteDifference += Math.Abs(serving - candidate);
        if (_highRisk is { } threshold)
        {
            _servingHigh += serving >= threshold ? 1 : 0;
            _candidateHigh += candidate >= threshold ? 1 : 0;
        }
    }

    private void Remove(double serving, double candidate)
    {
        var servingBin = Bin(serving);
        var candidateBin = Bin(candidate);
        _servingBins[servingBin]--;
        _candidateBins[candidateBin]--;
        _agreeing -= servingBin == candidateBin ? 1 : 0;
        _absoluteDifference = Math.Max(0, _absoluteDifference - Math.Abs(serving - candidate));
        if (_highRisk is { } threshold)
        {
            _servingHigh -= serving >= threshold ? 1 : 0;
            _candidateHigh -= candidate >= threshold ? 1 : 0;
        }
    }

    /// <summary>
    /// The population stability index, sum of (c − s)·ln(c / s) over the bins' shares, each share smoothed by half a
    /// row so that an empty bin does not make it infinite.
    /// </summary>
    private double Drift()
    {
        if (_count == 0)
        {
            return 0;
        }

        var total = _count + (Bins * 0.5);
        var psi = 0.0;
        for (var i = 0; i < Bins; i++)
        {
            var s = (_servingBins[i] + 0.5) / total;
            var c = (_candidateBins[i] + 0.5) / total;
            psi += (c - s) * Math.Log(c / s);
        }

        return psi;
    }

    private double Ratio(int part) => _count == 0 ? 0 : (double)part / _count;

    private static int Bin(double score) => Math.Clamp((int)(score * Bins), 0, Bins - 1);

    private void RollBack(RollbackReason reason, string detail)
    {
        RollbackDetail = detail;
        _rolledBack = (int)reason;
        _metrics.Counter(RolloutMetrics.Rollbacks, Model, Version, RolloutLabels.Of(reason)).Increment();
        RolledBack?.Invoke(this);
    }
}
