using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML;
using Microsoft.ML.Data;
using Personalization.Topology.Scoring.Rollouts;
using Streams.Engine.Metrics;

namespace Personalization.Topology.Scoring;

/// <summary>
/// The models in a directory and the rollout plan beside them, kept current without a restart. Each model file
/// <c>&lt;model&gt;-v&lt;N&gt;.zip</c> is loaded and validated before it is used (it must load, take the feature vector,
/// and score a fixed probe set to finite probabilities in [0, 1]); a file that fails is rejected, logged and counted once
/// (until it changes). A model the plan (<see cref="RolloutPlan"/>) does not list serves its highest valid version,
/// swapped in atomically when a higher one arrives. A listed model serves its pinned version and scores its candidate in
/// shadow or canary mode; the plan is reread every poll, so a ramp, a promotion or a new candidate takes effect without a
/// restart, and scoring never waits for a load. A candidate that breaks a guard is rolled back (<see cref="CandidateMonitor"/>)
/// and stays rolled back in this process: it is neither used again nor promoted by a newer-version upgrade.
/// </summary>
public sealed partial class ModelDirectory : IDisposable
{
    private readonly ModelOptions _options;
    private readonly ScoringOptions _scoring;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ModelRollout> _rollouts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (DateTime Modified, long Length, ScoringModel Model)> _loaded = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (DateTime Modified, long Length)> _rejected = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Model, string Version), CandidateMonitor> _monitors = [];
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private readonly Lock _scanLock = new();
    private RolloutPlan _plan = RolloutPlan.Empty;
    private string? _planText;
    private bool _planRead;
    private Timer? _timer;

    public ModelDirectory(ModelOptions options, StreamsMetrics? metrics = null, ILogger<ModelDirectory>? logger = null, ScoringOptions? scoring = null)
    {
        options.Validate();
        _options = options;
        _scoring = scoring ?? new ScoringOptions();
        Metrics = metrics ?? new StreamsMetrics();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Counters: <c>model-loads</c> and <c>model-rejections</c> by model, and the rollout metrics.</summary>
    public StreamsMetrics Metrics { get; }

    /// <summary>Raised after a new version starts serving.</summary>
    public event Action<ScoringModel>? ModelLoaded;

    /// <summary>Raised, on the stream thread that saw the breach, when a candidate is rolled back.</summary>
    public event Action<CandidateMonitor>? CandidateRolledBack;

    /// <summary>The versions serving now, by model name.</summary>
    public IReadOnlyDictionary<string, ScoringModel> Current =>
        _rollouts.Where(r => r.Value.Serving is not null).ToDictionary(r => r.Key, r => r.Value.Serving!, StringComparer.Ordinal);

    /// <summary>What scores each model now, by model name.</summary>
    public IReadOnlyDictionary<string, ModelRollout> Rollouts => _rollouts;

    /// <summary>The plan in force (the last valid one read).</summary>
    public RolloutPlan Plan => _plan;

    /// <summary>The version of <paramref name="name"/> serving now, or null if none loaded.</summary>
    public ScoringModel? Get(string name) => Rollout(name)?.Serving;

    /// <summary>What scores <paramref name="name"/> now, or null if nothing has loaded for it.</summary>
    public ModelRollout? Rollout(string name) => _rollouts.GetValueOrDefault(name);

    /// <summary>
    /// Loads what is there now and then checks every <see cref="ModelOptions.PollInterval"/>. A rollout plan that is
    /// invalid now, or pins a serving version that cannot serve, stops start-up; later, such a change is rejected and the
    /// plan in force stays.
    /// </summary>
    public void Start()
    {
        Scan(strict: true);
        _timer = new Timer(_ => ScanSafely(), null, _options.PollInterval, _options.PollInterval);
    }

    /// <summary>Looks for new versions and a changed plan now (the poll does this periodically).</summary>
    public void Scan() => Scan(strict: false);

    public void Dispose() => _timer?.Dispose();

    private void Scan(bool strict)
    {
        lock (_scanLock)
        {
            if (!Directory.Exists(_options.Directory))
            {
                return;
            }

            var files = ModelFiles();
            var plan = ReadPlan(strict) ?? _plan;
            var next = Resolve(plan, files, strict);
            if (next is null)
            {
                // A version the new plan pins cannot serve: the plan is refused, the one in force stays (and keeps
                // taking new files), and the new plan is tried again at every poll, since its file may be on its way.
                _planRead = false;
                plan = _plan;
                next = Resolve(plan, files, strict) ?? [];
            }

            _plan = plan;
            foreach (var (model, rollout) in next)
            {
                Publish(model, rollout);
            }

            var inUse = _rollouts.Values.SelectMany(r => new[] { r.Serving?.Path, r.Candidate?.Path }).OfType<string>().ToHashSet(StringComparer.Ordinal);
            foreach (var path in _loaded.Keys.Where(path => !inUse.Contains(path)).ToList())
            {
                _loaded.Remove(path);
            }
        }
    }

    /// <summary>What scores each model under <paramref name="plan"/>; null when a version it pins cannot serve.</summary>
    private Dictionary<string, ModelRollout>? Resolve(RolloutPlan plan, Dictionary<string, SortedList<long, string>> files, bool strict)
    {
        var next = new Dictionary<string, ModelRollout>(StringComparer.Ordinal);
        foreach (var model in files.Keys.Union(plan.Models.Keys).Order(StringComparer.Ordinal))
        {
            var versions = files.GetValueOrDefault(model) ?? [];
            var rollout = plan.Models.TryGetValue(model, out var entry) ? Planned(model, entry, versions, strict) : Unplanned(model, versions);
            if (rollout is null)
            {
                return null;
            }

            next[model] = rollout;
        }

        return next;
    }

    private void ScanSafely()
    {
        try
        {
            Scan();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogScanFailed(e, _options.Directory);
        }
    }

    /// <summary>The model files present: by model, the version number and path, highest first.</summary>
    private Dictionary<string, SortedList<long, string>> ModelFiles()
    {
        var files = new Dictionary<string, SortedList<long, string>>(StringComparer.Ordinal);
        foreach (var path in Directory.GetFiles(_options.Directory, "*.zip"))
        {
            var match = FileName().Match(Path.GetFileName(path));
            if (match.Success)
            {
                var model = match.Groups["name"].Value;
                if (!files.TryGetValue(model, out var versions))
                {
                    files[model] = versions = new SortedList<long, string>(Comparer<long>.Create((a, b) => b.CompareTo(a)));
                }

                versions[long.Parse(match.Groups["version"].Value, CultureInfo.InvariantCulture)] = path;
            }
        }

        return files;
    }

    /// <summary>The plan file if its text changed since the last read; null if it did not, or if it is invalid and not <paramref name="strict"/>.</summary>
    private RolloutPlan? ReadPlan(bool strict)
    {
        // The text, not the file's time stamp, says whether it changed: two edits within a time stamp's resolution
        // must not leave the first in force.
        var path = Path.Combine(_options.Directory, _options.RolloutFile);
        var text = File.Exists(path) ? File.ReadAllText(path) : null;
        if (_planRead && text == _planText && !strict)
        {
            return null;
        }

        _planRead = true;
        _planText = text;
        if (text is null)
        {
            return RolloutPlan.Empty;
        }

        try
        {
            return RolloutPlan.Parse(text);
        }
        catch (FormatException e)
        {
            if (strict)
            {
                throw new InvalidOperationException($"The rollout plan {path} is invalid: {e.Message}", e);
            }

            Metrics.Counter(RolloutMetrics.PlansRejected).Increment();
            LogPlanRejected(path, e.Message);
            return null;
        }
    }

    /// <summary>Today's rule for a model without a plan: the highest valid version, never a lower one, never one rolled back.</summary>
    private ModelRollout Unplanned(string model, SortedList<long, string> versions)
    {
        var serving = _rollouts.GetValueOrDefault(model)?.Serving;
        var servingNumber = serving is null ? -1 : RolloutPlan.VersionNumber(serving.Version);
        foreach (var (number, path) in versions)
        {
            if (number <= servingNumber)
            {
                break;
            }

            var version = $"v{number}";
            if (!RolledBack(model, version) && Load(path, model, version) is { } loaded)
            {
                serving = loaded;
                break;
            }
        }

        return new ModelRollout(model, serving, null, RolloutMode.Shadow, 0, null);
    }

    /// <summary>A planned model's rollout; null when its pinned serving version cannot serve.</summary>
    private ModelRollout? Planned(string model, ModelRolloutPlan entry, SortedList<long, string> versions, bool strict)
    {
        var path = versions.GetValueOrDefault(RolloutPlan.VersionNumber(entry.Serving));
        var serving = path is null ? null : Load(path, model, entry.Serving);
        if (serving is null)
        {
            var problem = path is null ? $"its file {model}-{entry.Serving}.zip is not in {_options.Directory}" : $"{path} was rejected";
            if (strict)
            {
                throw new InvalidOperationException($"The rollout plan pins {model} to {entry.Serving}, but {problem}.");
            }

            if (_reported.Add($"pin {model} {entry.Serving} {problem}"))
            {
                Metrics.Counter(RolloutMetrics.PlansRejected).Increment();
                LogPinUnavailable(model, entry.Serving, problem, _rollouts.GetValueOrDefault(model)?.Serving?.Version ?? "none");
            }

            return null;
        }

        if (entry.Candidate is not { } version)
        {
            return new ModelRollout(model, serving, null, RolloutMode.Shadow, 0, null);
        }

        var candidatePath = versions.GetValueOrDefault(RolloutPlan.VersionNumber(version));
        var candidate = candidatePath is null ? null : Load(candidatePath, model, version);
        if (candidatePath is null && _reported.Add($"{model}-{version}"))
        {
            LogCandidateAbsent(model, version, _options.Directory);
        }

        var monitor = candidate is null ? null : Monitor(model, version, entry.Guards);
        return new ModelRollout(model, serving, candidate, entry.Mode, entry.Share, monitor);
    }

    private CandidateMonitor Monitor(string model, string version, RolloutGuards guards)
    {
        if (!_monitors.TryGetValue((model, version), out var monitor))
        {
            var highRisk = model == FraudGuardrail.Model
                ? (_scoring.FraudHighRiskThreshold, _scoring.FraudGuardrailCeiling, _scoring.FraudGuardrailMinScores)
                : ((double, double, int)?)null;
            monitor = new CandidateMonitor(model, version, guards, Metrics, highRisk);
            monitor.RolledBack += OnRolledBack;
            _monitors[(model, version)] = monitor;
        }

        return monitor;
    }

    private bool RolledBack(string model, string version) => _monitors.TryGetValue((model, version), out var monitor) && !monitor.Active;

    private void Publish(string model, ModelRollout rollout)
    {
        var previous = _rollouts.GetValueOrDefault(model);
        if (previous is not null && ReferenceEquals(previous.Serving, rollout.Serving) && ReferenceEquals(previous.Candidate, rollout.Candidate)
            && previous.Mode == rollout.Mode && previous.Share.Equals(rollout.Share) && ReferenceEquals(previous.Monitor, rollout.Monitor))
        {
            return;
        }

        _rollouts[model] = rollout;
        if (previous is { Candidate: { } old, Monitor: { } oldMonitor })
        {
            Metrics.Gauge(RolloutMetrics.Active, model, old.Version, RolloutLabels.Of(previous.Mode)).Set(0);
            if (!ReferenceEquals(oldMonitor, rollout.Monitor))
            {
                Metrics.Gauge(RolloutMetrics.CanaryShare, model, old.Version).Set(0);
            }
        }

        if (rollout is { Candidate: { } candidate, Monitor: { } monitor })
        {
            Metrics.Gauge(RolloutMetrics.Active, model, candidate.Version, RolloutLabels.Of(rollout.Mode)).Set(monitor.Active ? 1 : 0);
            Metrics.Gauge(RolloutMetrics.CanaryShare, model, candidate.Version).Set(rollout.Mode == RolloutMode.Canary ? rollout.Share : 0);
            LogRollout(model, rollout.Serving?.Version ?? "none", candidate.Version, RolloutLabels.Of(rollout.Mode), rollout.Mode == RolloutMode.Canary ? rollout.Share : 1,
                monitor.Active ? "active" : $"rolled back ({monitor.RolledBackFor})");
        }

        if (rollout.Serving is { } serving && !ReferenceEquals(previous?.Serving, serving))
        {
            Metrics.Counter(ScoringMetrics.ModelLoads, model).Increment();
            LogLoaded(model, serving.Version, serving.Path, previous?.Serving?.Version ?? "none");
            ModelLoaded?.Invoke(serving);
        }
    }

    private void OnRolledBack(CandidateMonitor monitor)
    {
        var rollout = _rollouts.GetValueOrDefault(monitor.Model);
        var mode = rollout is not null && ReferenceEquals(rollout.Monitor, monitor) ? rollout.Mode : RolloutMode.Shadow;
        Metrics.Gauge(RolloutMetrics.Active, monitor.Model, monitor.Version, RolloutLabels.Of(mode)).Set(0);
        LogRolledBack(monitor.Model, monitor.Version, RolloutLabels.Of(mode), monitor.RolledBackFor is { } reason ? RolloutLabels.Of(reason) : "", monitor.RollbackDetail ?? "",
            rollout?.Serving?.Version ?? "none");
        CandidateRolledBack?.Invoke(monitor);
    }

    /// <summary>The validated model at <paramref name="path"/>, loaded once per version of the file; null if it is rejected.</summary>
    private ScoringModel? Load(string path, string name, string version)
    {
        var info = new FileInfo(path);
        var stamp = (info.LastWriteTimeUtc, info.Length);
        if (_loaded.TryGetValue(path, out var loaded) && (loaded.Modified, loaded.Length) == stamp)
        {
            return loaded.Model;
        }

        if (_rejected.TryGetValue(path, out var rejectedStamp) && rejectedStamp == stamp)
        {
            return null;
        }

        try
        {
            var context = new MLContext(seed: 0);
            ITransformer transformer;
            DataViewSchema input;
            using (var stream = File.OpenRead(path))
            {
                transformer = context.Model.Load(stream, out input);
            }

            var model = new ScoringModel(name, version, path, context, transformer, InputLength(input));
            Validate(model);
            _rejected.TryRemove(path, out _);
            _loaded[path] = (stamp.LastWriteTimeUtc, stamp.Length, model);
            return model;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _rejected[path] = stamp;
            Metrics.Counter(ScoringMetrics.ModelRejections, name).Increment();
            LogRejected(e, path, name, Get(name)?.Version ?? "none");
            return null;
        }
    }

    /// <summary>The length of the feature vector the model was trained on; one the vector has had, or the file is refused.</summary>
    private static int InputLength(DataViewSchema input)
    {
        var column = input.GetColumnOrNull(nameof(ModelInput.Features));
        if (column?.Type is not VectorDataViewType { Size: var size, ItemType: var item } || item != NumberDataViewType.Single || !FeatureVector.Lengths.Contains(size))
        {
            throw new InvalidDataException($"The model does not take a feature vector of one of the lengths {string.Join(", ", FeatureVector.Lengths)} "
                + $"(its input '{nameof(ModelInput.Features)}' is {column?.Type.ToString() ?? "missing"}).");
        }

        return size;
    }

    /// <summary>Scores the probe set; every probability must be finite and within [0, 1].</summary>
    private static void Validate(ScoringModel model)
    {
        using var engine = model.CreateEngine();
        foreach (var probe in ProbeSet.Vectors)
        {
            var probability = engine.Predict(new ModelInput { Features = probe[..model.InputLength] }).Probability;
            if (!float.IsFinite(probability) || probability < 0 || probability > 1)
            {
                throw new InvalidDataException($"The model scored a probe vector to {probability}, not a probability in [0, 1].");
            }
        }
    }

    [GeneratedRegex(@"^(?<name>[a-z][a-z0-9_]*)-v(?<version>\d{1,9})\.zip$")]
    private static partial Regex FileName();

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} {Version} is serving (from {Path}; was {Previous})")]
    private partial void LogLoaded(string model, string version, string path, string previous);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rejected model file {Path}: {Model} stays on {Serving}")]
    private partial void LogRejected(Exception error, string path, string model, string serving);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not scan the model directory {Directory}")]
    private partial void LogScanFailed(Exception error, string directory);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rejected the rollout plan {Path}: {Problem}; the plan in force stays")]
    private partial void LogPlanRejected(string path, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rejected the rollout plan: it pins {Model} to {Version}, but {Problem}; {Model} stays on {Serving}")]
    private partial void LogPinUnavailable(string model, string version, string problem, string serving);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The rollout plan names {Model} {Version} as candidate, but its file is not in {Directory} yet")]
    private partial void LogCandidateAbsent(string model, string version, string directory);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Rollout of {Model}: {Serving} serves, candidate {Candidate} in {Mode} mode for {Share:P1} of users, {State}")]
    private partial void LogRollout(string model, string serving, string candidate, string mode, double share, string state);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Rolled back {Model} {Version} ({Mode}) for {Reason}: {Detail}. {Serving} serves every user; change the rollout plan to retry or remove it")]
    private partial void LogRolledBack(string model, string version, string mode, string reason, string detail, string serving);
}

/// <summary>Fixed feature vectors every model must score sensibly before it serves: empty, typical and extreme users.</summary>
internal static class ProbeSet
{
    public static readonly float[][] Vectors = Build();

    private static float[][] Build()
    {
        var random = new Random(1234);
        var vectors = new List<float[]> { new float[FeatureVector.Length] };
        for (var i = 0; i < 15; i++)
        {
            var scale = i < 10 ? 5f : 500f;
            vectors.Add(Enumerable.Range(0, FeatureVector.Length).Select(_ => (float)(random.NextDouble() * scale)).ToArray());
        }

        return vectors.ToArray();
    }
}
