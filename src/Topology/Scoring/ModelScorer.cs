using System.Diagnostics;
using Microsoft.ML;
using Personalization.Topology.Records;
using Personalization.Topology.Scoring.Rollouts;
using Streams.Engine.Metrics;

namespace Personalization.Topology.Scoring;

/// <summary>
/// Scores users with one model for one task (prediction engines are not thread-safe), as the model directory's current
/// <see cref="ModelRollout"/> says: the serving version for everyone, and during a rollout the candidate too, for every
/// row (shadow) or for the users its canary share selects, whom it then serves. Each row the candidate scores is also
/// scored by the serving version and both go to the rollout's monitor. A new version, a ramp or a rollback applies from
/// the next call. Guardrails: no model, a model error or an invalid output gives the documented heuristic for that row
/// (a failing canary row gets the serving version's score); once a call has spent its latency budget the remaining rows
/// get the heuristic, and a run of rows over budget (the breaker threshold) bypasses the model for the cooldown. Every
/// fallback is counted by reason.
/// </summary>
internal sealed class ModelScorer
{
    private readonly string _model;
    private readonly ModelDirectory _models;
    private readonly Func<UserFeatures, double> _heuristic;
    private readonly long _budgetTicks;
    private readonly long _cooldownMs;
    private readonly int _breakerThreshold;
    private readonly float[] _features = new float[FeatureVector.Length];
    private readonly UserFeatures[] _oneRow = new UserFeatures[1];
    private readonly ScoreResult[] _oneResult = new ScoreResult[1];
    private readonly Counter _scored;
    private readonly Counter _noModel;
    private readonly Counter _modelError;
    private readonly Counter _overBudget;
    private readonly Histogram _duration;
    private readonly Engine _serving = new();
    private readonly Engine _candidate = new();
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
    /// Creates the prediction engines of the serving version and any active candidate and runs them on the probe set, so
    /// that the first records of a new task are not the ones that pay for loading and compiling them (and fall back to
    /// the heuristic on budget).
    /// </summary>
    public void Warm()
    {
        var rollout = _models.Rollout(_model);
        _serving.For(rollout?.Serving);
        _candidate.For(rollout is { CandidateActive: true } ? rollout.Candidate : null);
    }

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
        var rollout = _models.Rollout(_model);
        var serving = _serving.For(rollout?.Serving);
        if (serving is null || nowMs < _bypassUntilMs)
        {
            for (var i = 0; i < rows.Length; i++)
            {
                results[i] = Fallback(rows[i], serving is null ? _noModel : _overBudget);
            }

            return;
        }

        var version = rollout!.Serving!.Version;
        var candidate = rollout.CandidateActive ? _candidate.For(rollout.Candidate) : null;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < rows.Length; i++)
        {
            var rowStart = Stopwatch.GetTimestamp();
            if (rowStart - start >= _budgetTicks)
            {
                results[i] = Fallback(rows[i], _overBudget);
                continue;
            }

            FeatureVector.Fill(rows[i], _features);
            var probability = Predict(serving, out var error);
            var servingTicks = Stopwatch.GetTimestamp() - rowStart;
            ScoreResult? result = error is null ? new ScoreResult(probability, version, Heuristic: false) : null;
            if (candidate is not null && (rollout.Mode == RolloutMode.Shadow || rollout.Serves(rows[i].UserId)))
            {
                ScoreCandidate(rollout, candidate, ref result, servingTicks);
            }

            results[i] = result ?? Fallback(rows[i], _modelError);
            if (!results[i].Heuristic)
            {
                _scored.Increment();
            }

            if (servingTicks <= _budgetTicks)
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

    /// <summary>Scores the row in <see cref="_features"/> with the candidate, reports both versions to the monitor, and lets a canary serve it.</summary>
    private void ScoreCandidate(ModelRollout rollout, Engine candidate, ref ScoreResult? result, long servingTicks)
    {
        var monitor = rollout.Monitor!;
        var candidateStart = Stopwatch.GetTimestamp();
        var probability = Predict(candidate, out var error);
        var candidateTicks = Stopwatch.GetTimestamp() - candidateStart;
        if (error is not null)
        {
            monitor.Failed(error);
            return;
        }

        if (result is { } served)
        {
            monitor.Observe(served.Value, servingTicks, probability, candidateTicks);
        }

        if (rollout.Mode == RolloutMode.Canary && monitor.Active)
        {
            result = new ScoreResult(probability, rollout.Candidate!.Version, Heuristic: false);
        }
    }

    /// <summary>The probability for the row in <see cref="_features"/>; <paramref name="error"/> says why there is none.</summary>
    private float Predict(Engine engine, out string? error)
    {
        try
        {
            var probability = engine.Predict(_features);
            error = float.IsFinite(probability) && probability is >= 0 and <= 1 ? null : $"it scored {probability}, not a probability in [0, 1]";
            return probability;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error = $"{e.GetType().Name}: {e.Message}";
            return float.NaN;
        }
    }

    private ScoreResult Fallback(UserFeatures features, Counter reason)
    {
        reason.Increment();
        return new ScoreResult(_heuristic(features), Heuristics.Version, Heuristic: true);
    }

    /// <summary>
    /// One version's prediction engine, recreated (and warmed) when the version changes, with an input row of the
    /// version's length: a model trained on an earlier, shorter feature vector gets its leading values.
    /// </summary>
    private sealed class Engine
    {
        private ScoringModel? _model;
        private PredictionEngine<ModelInput, ModelOutput>? _engine;
        private ModelInput _input = new();
        private ModelOutput _output = new();

        /// <summary>This engine, switched to <paramref name="model"/> if it was on another; null without a model.</summary>
        public Engine? For(ScoringModel? model)
        {
            if (model is null)
            {
                return null;
            }

            if (!ReferenceEquals(model, _model))
            {
                _engine?.Dispose();
                _engine = model.CreateEngine();
                _input = model.CreateInput();
                _model = model;

                // The first predictions of an engine are many times slower than the rest; they must not count against
                // the latency budget of the rows that happen to come first.
                foreach (var probe in ProbeSet.Vectors)
                {
                    Predict(probe);
                }
            }

            return this;
        }

        public float Predict(float[] features)
        {
            Array.Copy(features, _input.Features, _input.Features.Length);
            _engine!.Predict(_input, ref _output);
            return _output.Probability;
        }
    }
}
