using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML;
using Streams.Engine.Metrics;

namespace Personalization.Topology.Scoring;

/// <summary>
/// The models in a directory, kept current without a restart. A file <c>&lt;model&gt;-v&lt;N&gt;.zip</c> with a higher N than
/// the serving version is loaded and validated (it must load, take the feature vector, and score a fixed probe set to
/// finite probabilities in [0, 1]) and then swapped in atomically; scoring never waits for it. A file that fails is
/// rejected, logged and counted once (until it changes), and the serving version stays.
/// </summary>
public sealed partial class ModelDirectory : IDisposable
{
    private readonly ModelOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ScoringModel> _current = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (DateTime Modified, long Length)> _rejected = new(StringComparer.Ordinal);
    private readonly object _scanLock = new();
    private Timer? _timer;

    public ModelDirectory(ModelOptions options, StreamsMetrics? metrics = null, ILogger<ModelDirectory>? logger = null)
    {
        options.Validate();
        _options = options;
        Metrics = metrics ?? new StreamsMetrics();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Counters: <c>model-loads</c> and <c>model-rejections</c> by model.</summary>
    public StreamsMetrics Metrics { get; }

    /// <summary>Raised after a new version starts serving.</summary>
    public event Action<ScoringModel>? ModelLoaded;

    /// <summary>The versions serving now, by model name.</summary>
    public IReadOnlyDictionary<string, ScoringModel> Current => _current;

    /// <summary>The version of <paramref name="name"/> serving now, or null if none loaded.</summary>
    public ScoringModel? Get(string name) => _current.GetValueOrDefault(name);

    /// <summary>Loads what is there now and then checks every <see cref="ModelOptions.PollInterval"/>.</summary>
    public void Start()
    {
        Scan();
        _timer = new Timer(_ => ScanSafely(), null, _options.PollInterval, _options.PollInterval);
    }

    /// <summary>Looks for new versions now (the poll does this periodically).</summary>
    public void Scan()
    {
        lock (_scanLock)
        {
            if (!System.IO.Directory.Exists(_options.Directory))
            {
                return;
            }

            var candidates = System.IO.Directory.GetFiles(_options.Directory, "*.zip")
                .Select(path => (Path: path, Match: FileName().Match(System.IO.Path.GetFileName(path))))
                .Where(c => c.Match.Success)
                .Select(c => (c.Path, Name: c.Match.Groups["name"].Value, Number: long.Parse(c.Match.Groups["version"].Value, CultureInfo.InvariantCulture)))
                .GroupBy(c => c.Name);
            foreach (var model in candidates)
            {
                var serving = _current.GetValueOrDefault(model.Key);
                var servingNumber = serving is null ? -1 : long.Parse(serving.Version[1..], CultureInfo.InvariantCulture);
                foreach (var candidate in model.Where(c => c.Number > servingNumber).OrderByDescending(c => c.Number))
                {
                    if (TryLoad(candidate.Path, model.Key, $"v{candidate.Number}") is { } loaded)
                    {
                        _current[model.Key] = loaded;
                        Metrics.Counter(ScoringMetrics.ModelLoads, model.Key).Increment();
                        LogLoaded(model.Key, loaded.Version, candidate.Path, serving?.Version ?? "none");
                        ModelLoaded?.Invoke(loaded);
                        break;
                    }
                }
            }
        }
    }

    public void Dispose() => _timer?.Dispose();

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

    private ScoringModel? TryLoad(string path, string name, string version)
    {
        var info = new FileInfo(path);
        var stamp = (info.LastWriteTimeUtc, info.Length);
        if (_rejected.TryGetValue(path, out var rejectedStamp) && rejectedStamp == stamp)
        {
            return null;
        }

        try
        {
            var context = new MLContext(seed: 0);
            ITransformer transformer;
            using (var stream = File.OpenRead(path))
            {
                transformer = context.Model.Load(stream, out _);
            }

            var model = new ScoringModel(name, version, path, context, transformer);
            Validate(model);
            _rejected.TryRemove(path, out _);
            return model;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _rejected[path] = stamp;
            Metrics.Counter(ScoringMetrics.ModelRejections, name).Increment();
            LogRejected(e, path, name, _current.GetValueOrDefault(name)?.Version ?? "none");
            return null;
        }
    }

    /// <summary>Scores the probe set; every probability must be finite and within [0, 1].</summary>
    private static void Validate(ScoringModel model)
    {
        using var engine = model.CreateEngine();
        foreach (var probe in ProbeSet.Vectors)
        {
            var probability = engine.Predict(new ModelInput { Features = probe }).Probability;
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
