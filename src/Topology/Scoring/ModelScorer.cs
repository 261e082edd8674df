using System.Diagnostics;
using Microsoft.ML;
using Personalization.Topology.Records;
using Streams.Engine.Metrics;

namespace Personalization.Topology.Scoring;

/// <summary>
/// Scores users with the serving version of one model, for one task (prediction engines are not thread-safe). A new
/// version is picked up on the next call. Guardrails: no model, a model error or an invalid output gives the
/// documented heuristic for that row; once a call has spent its latency budget the remaining rows get the heuristic,
/// and a run of rows over budget (the breaker threshold) bypasses the model for the cooldown. Every fallback is
/// counted by reason.
/// </summary>
internal sealed class ModelScorer
{
    private readonly string _model;
    private readonly ModelDirectory _models;
    private readonly Func<UserFeatures, double> _heuristic;
    private readonly long _budgetTicks;
    private readonly long _cooldownMs;
    private readonly int _breakerThreshold;
    private readonly ModelInput _input = new();
    private readonly UserFeatures[] _oneRow = new UserFeatures[1];
    private readonly ScoreResult[] _oneResult = new ScoreResult[1];
    private readonly Counter _scored;
    private readonly Counter _noModel;
    private readonly Counter _modelError;
    private readonly Counter _overBudget;
    private readonly Histogram _duration;
    private ScoringModel? _engineModel;
    private PredictionEngine<ModelInput, ModelOutput>? _engine;
    private ModelOutput _output = new();
    private long _bypassUntilMs;
    private int _rowsOverBudget;

    public ModelScorer(string model, ModelDirectory models, Func<UserFeatures, double> heuristic, ScoringOptions options, StreamsMetrics metrics)
    {
        _model = model;
        _models = models;
        _heuristic = heuristic;
        _budgetTicks = (long)(options.LatencyBudget.TotalSeconds * Stopwatch.Frequency);
        _cooldownMs = (long)options.BreakerCooldown.TotalMilliseconds;
        _breakerThreshold = options.BreakerThreshold;
        _scored = metrics.Counter(ScoringMetrics.Scores, model);
        _noModel = metrics.Counter(ScoringMetrics.HeuristicScores, model, HeuristicReasons.NoModel);
        _modelError = metrics.Counter(ScoringMetrics.HeuristicScores, model, HeuristicReasons.ModelError);
        _overBudget = metrics.Counter(ScoringMetrics.HeuristicScores, model, HeuristicReasons.LatencyBudget);
        _duration = metrics.Histogram(ScoringMetrics.ScoreDuration, model);
    }

    /// <summary>
    /// Creates the prediction engine of the serving version and runs it on the probe set, so that the first records of
    /// a new task are not the ones that pay for loading and compiling it (and fall back to the heuristic on budget).
    /// </summary>
    public void Warm() => CurrentEngine(out _);

    public ScoreResult Score(UserFeatures features, long nowMs)
    {
        _oneRow[0] = features;
        Score(_oneRow, _oneResult, nowMs);
        _oneRow[0] = null!;
        return _oneResult[0];
    }

    /// <summary>Scores <paramref name="rows"/> into <paramref name="results"/>, in order.</summary>
    public void Score(ReadOnlySpan<UserFeatures> rows, Span<ScoreResult> results, long nowMs)
    {
        var engine = CurrentEngine(out var version);
        if (engine is null || nowMs < _bypassUntilMs)
        {
            for (var i = 0; i < rows.Length; i++)
            {
                results[i] = Fallback(rows[i], engine is null ? _noModel : _overBudget);
            }

            return;
        }

        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < rows.Length; i++)
        {
            var rowStart = Stopwatch.GetTimestamp();
            if (rowStart - start >= _budgetTicks)
            {
                results[i] = Fallback(rows[i], _overBudget);
                continue;
            }

            try
            {
                FeatureVector.Fill(rows[i], _input.Features);
                engine.Predict(_input, ref _output);
                var probability = _output.Probability;
                results[i] = float.IsFinite(probability) && probability is >= 0 and <= 1
                    ? new ScoreResult(probability, version, Heuristic: false)
                    : Fallback(rows[i], _modelError);
                if (!results[i].Heuristic)
                {
                    _scored.Increment();
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                results[i] = Fallback(rows[i], _modelError);
            }

            if (Stopwatch.GetTimestamp() - rowStart <= _budgetTicks)
            {
                _rowsOverBudget = 0;
            }
            else if (++_rowsOverBudget >= _breakerThreshold)
            {
                _rowsOverBudget = 0;
                _bypassUntilMs = nowMs + _cooldownMs;
            }
        }

        _duration.Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    private ScoreResult Fallback(UserFeatures features, Counter reason)
    {
        reason.Increment();
        return new ScoreResult(_heuristic(features), Heuristics.Version, Heuristic: true);
    }

    private PredictionEngine<ModelInput, ModelOutput>? CurrentEngine(out string version)
    {
        var serving = _models.Get(_model);
        if (serving is null)
        {
            version = Heuristics.Version;
            return null;
        }

        if (!ReferenceEquals(serving, _engineModel))
        {
            _engine?.Dispose();
            _engine = serving.CreateEngine();
            _engineModel = serving;

            // The first predictions of an engine are many times slower than the rest; they must not count against
            // the latency budget of the rows that happen to come first.
            foreach (var probe in ProbeSet.Vectors)
            {
                probe.CopyTo(_input.Features, 0);
                _engine.Predict(_input, ref _output);
            }
        }

        version = serving.Version;
        return _engine;
    }
}
