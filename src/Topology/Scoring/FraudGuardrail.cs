using Streams.Engine.Metrics;

namespace Personalization.Topology.Scoring;

/// <summary>
/// Watches the share of high-risk fraud scores over a sliding window (six buckets of wall-clock time). When the share
/// rises above the ceiling, with enough scores to judge, the guardrail turns active: fraud scores are still written,
/// but fraud flags must not propagate to user attributes. It turns off again once the share falls to the recovery
/// level, or the window holds too few scores, as the window slides. One instance is shared by every task in the
/// process; the host reads <see cref="IsActive"/>.
/// </summary>
public sealed class FraudGuardrail
{
    /// <summary>The model the guardrail watches.</summary>
    public const string Model = "fraud";

    private const int Buckets = 6;

    private readonly ScoringOptions _options;
    private readonly long _bucketMs;
    private readonly long[] _bucketStart = new long[Buckets];
    private readonly int[] _total = new int[Buckets];
    private readonly int[] _high = new int[Buckets];
    private readonly Gauge _gauge;
    private readonly object _lock = new();
    private volatile bool _active;

    public FraudGuardrail(ScoringOptions options, StreamsMetrics? metrics = null)
    {
        _options = options;
        _bucketMs = Math.Max(1, (long)options.FraudGuardrailWindow.TotalMilliseconds / Buckets);
        _gauge = (metrics ?? new StreamsMetrics()).Gauge(ScoringMetrics.GuardrailActive, Model);
    }

    /// <summary>Fraud flags are being held back.</summary>
    public bool IsActive => _active;

    /// <summary>The high-risk share in the window at the last evaluation.</summary>
    public double HighRiskShare { get; private set; }

    /// <summary>Fraud scores in the window at the last evaluation.</summary>
    public int ScoresInWindow { get; private set; }

    /// <summary>Raised when the guardrail turns on (true) or off (false).</summary>
    public event Action<bool>? Changed;

    public void Record(double fraudScore, long nowMs)
    {
        lock (_lock)
        {
            var bucket = BucketFor(nowMs);
            _total[bucket]++;
            if (fraudScore >= _options.FraudHighRiskThreshold)
            {
                _high[bucket]++;
            }

            Evaluate(nowMs);
        }
    }

    /// <summary>Re-evaluates as time passes without scores (called by the scoring punctuator).</summary>
    public void Refresh(long nowMs)
    {
        lock (_lock)
        {
            Evaluate(nowMs);
        }
    }

    private int BucketFor(long nowMs)
    {
        var start = nowMs - (nowMs % _bucketMs);
        var bucket = (int)((start / _bucketMs) % Buckets);
        if (_bucketStart[bucket] != start)
        {
            _bucketStart[bucket] = start;
            _total[bucket] = 0;
            _high[bucket] = 0;
        }

        return bucket;
    }

    private void Evaluate(long nowMs)
    {
        var oldest = nowMs - (nowMs % _bucketMs) - (Buckets - 1) * _bucketMs;
        int total = 0, high = 0;
        for (var i = 0; i < Buckets; i++)
        {
            if (_bucketStart[i] >= oldest && _bucketStart[i] <= nowMs)
            {
                total += _total[i];
                high += _high[i];
            }
        }

        ScoresInWindow = total;
        HighRiskShare = total == 0 ? 0 : (double)high / total;
        var active = total >= _options.FraudGuardrailMinScores
            && (_active ? HighRiskShare > _options.FraudGuardrailRecovery : HighRiskShare > _options.FraudGuardrailCeiling);
        if (active != _active)
        {
            _active = active;
            _gauge.Set(active ? 1 : 0);
            Changed?.Invoke(active);
        }
    }
}
