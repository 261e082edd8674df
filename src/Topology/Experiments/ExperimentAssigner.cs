using System.Text;

namespace Personalization.Topology.Experiments;

/// <summary>
/// Deterministic per-user assignment of experiment arms. A user's position in an experiment is a fraction in [0, 1):
/// the FNV-1a 64-bit hash of the UTF-8 bytes of <c>&lt;experiment&gt;\0&lt;user id&gt;</c>, mixed by SplitMix64's
/// finalizer, its top 53 bits over 2^53. The arms, in ordinal order of their names, take consecutive shares of [0, 1)
/// in proportion to their weights; the user's arm is the one whose share holds the position. So every pod, every
/// restart and any downstream job that recomputes it agrees, each experiment splits users independently of the others,
/// and changing weights moves only the users between the old and the new boundaries.
/// </summary>
public sealed class ExperimentAssigner
{
    private const ulong FnvOffset = 14695981039346656037;

    private static readonly IReadOnlyDictionary<string, string> NoArms = new Dictionary<string, string>();

    private readonly (string Name, string[] Arms, double[] Bounds)[] _experiments;

    public ExperimentAssigner(ExperimentOptions options)
    {
        options.Validate();
        _experiments = options.Arms.OrderBy(e => e.Key, StringComparer.Ordinal).Select(experiment =>
        {
            var arms = experiment.Value.OrderBy(a => a.Key, StringComparer.Ordinal).ToArray();
            var total = arms.Sum(a => a.Value);
            var bounds = new double[arms.Length];
            var cumulative = 0.0;
            for (var i = 0; i < arms.Length; i++)
            {
                cumulative += arms[i].Value;
                bounds[i] = cumulative / total;
            }

            bounds[^1] = 1;
            return (experiment.Key, arms.Select(a => a.Key).ToArray(), bounds);
        }).ToArray();
    }

    /// <summary>No experiment.</summary>
    public static ExperimentAssigner None { get; } = new(new ExperimentOptions());

    /// <summary>The user's arm in each experiment; a shared empty map when none runs.</summary>
    public IReadOnlyDictionary<string, string> Assign(string userId)
    {
        if (_experiments.Length == 0)
        {
            return NoArms;
        }

        var assignment = new Dictionary<string, string>(_experiments.Length, StringComparer.Ordinal);
        foreach (var (name, arms, bounds) in _experiments)
        {
            var position = Position(name, userId);
            var arm = 0;
            while (position >= bounds[arm])
            {
                arm++;
            }

            assignment[name] = arms[arm];
        }

        return assignment;
    }

    /// <summary>The user's position in [0, 1) in <paramref name="experiment"/>.</summary>
    public static double Position(string experiment, string userId) => Position(Seed(experiment), userId);

    /// <summary>The hash state after <c>&lt;experiment&gt;\0</c>, so a caller that places many users hashes the name once.</summary>
    internal static ulong Seed(string experiment) => Fnv1a(Fnv1a(FnvOffset, experiment), "\0");

    /// <summary>The user's position in [0, 1) in the experiment whose <see cref="Seed"/> is <paramref name="seed"/>.</summary>
    internal static double Position(ulong seed, string userId)
    {
        var hash = Fnv1a(seed, userId);
        hash ^= hash >> 30;
        hash *= 0xbf58476d1ce4e5b9;
        hash ^= hash >> 27;
        hash *= 0x94d049bb133111eb;
        hash ^= hash >> 31;
        return (hash >> 11) * (1.0 / (1UL << 53));
    }

    private static ulong Fnv1a(ulong hash, string text)
    {
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetMaxByteCount(text.Length) <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(text, buffer)] : Encoding.UTF8.GetBytes(text);
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 1099511628211;
        }

        return hash;
    }
}
