using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Streams.Engine.Metrics;

namespace Personalization.Topology.Evaluation;

/// <summary>
/// The candidate policies data scientists drop into <see cref="EvaluationOptions.PolicyDirectory"/> as policy files
/// (<c>*.json</c>, see <see cref="LinearPolicy"/>), reread when they change: a new file starts being evaluated, a changed
/// one is replaced, a deleted one stops. A file that cannot be read is logged and counted once per version and, if an
/// earlier version of it was read, that version stays in use, so a half-written copy never interrupts an evaluation.
/// One instance serves every task; <see cref="Refresh"/> may be called from any stream thread.
/// </summary>
public sealed partial class PolicyDirectory
{
    private readonly string? _path;
    private readonly HashSet<string> _reservedIds;
    private readonly StreamsMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (DateTime Written, LinearPolicy Policy)> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTime> _rejected = new(StringComparer.Ordinal);
    private volatile IReadOnlyList<ICandidatePolicy> _policies = [];

    public PolicyDirectory(EvaluationOptions options, StreamsMetrics? metrics = null, ILogger<PolicyDirectory>? logger = null)
    {
        _path = options.PolicyDirectory;
        _reservedIds = options.BaselinePolicies().Select(policy => policy.Id).ToHashSet(StringComparer.Ordinal);
        _metrics = metrics ?? new StreamsMetrics();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Refresh();
    }

    /// <summary>The policies read, in file name order.</summary>
    public IReadOnlyList<ICandidatePolicy> Policies => _policies;

    /// <summary>Rereads new and changed files and forgets deleted ones.</summary>
    public void Refresh()
    {
        if (string.IsNullOrWhiteSpace(_path))
        {
            return;
        }

        lock (_lock)
        {
            var present = Directory.Exists(_path) ? Directory.GetFiles(_path, "*.json").Order(StringComparer.Ordinal).ToList() : [];
            foreach (var gone in _files.Keys.Except(present).ToList())
            {
                _files.Remove(gone);
            }

            foreach (var file in present)
            {
                var written = File.GetLastWriteTimeUtc(file);
                if ((_files.TryGetValue(file, out var loaded) && loaded.Written == written) || _rejected.GetValueOrDefault(file) == written)
                {
                    continue;
                }

                try
                {
                    _files[file] = (written, LinearPolicy.Parse(File.ReadAllText(file)));
                    _rejected.Remove(file);
                }
                catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
                {
                    Reject(file, written, e.Message);
                }
            }

            var ids = new HashSet<string>(_reservedIds, StringComparer.Ordinal);
            var policies = new List<ICandidatePolicy>();
            foreach (var (file, (written, policy)) in _files.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (ids.Add(policy.Id))
                {
                    policies.Add(policy);
                }
                else if (_rejected.GetValueOrDefault(file) != written)
                {
                    Reject(file, written, $"policy id '{policy.Id}' is already taken by a baseline or an earlier file");
                }
            }

            _policies = policies;
        }
    }

    private void Reject(string file, DateTime written, string reason)
    {
        _rejected[file] = written;
        var name = Path.GetFileName(file);
        _metrics.Counter(EvaluationMetrics.PolicyFilesRejected, name).Increment();
        LogRejected(name, reason);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Rejected policy file {File}: {Reason}")]
    private partial void LogRejected(string file, string reason);
}
