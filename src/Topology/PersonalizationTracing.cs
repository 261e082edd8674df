using System.Diagnostics;

namespace Personalization.Topology;

/// <summary>
/// The topology's own spans (next to the engine's per-record spans, <see cref="Streams.Engine.Tracing.StreamsTracing"/>):
/// a training record is written under a span that continues its decision's trace and links to the rewards joined
/// with it, so a trace viewer leads from a training record to everything that made it.
/// </summary>
public static class PersonalizationTracing
{
    /// <summary>The <see cref="ActivitySource"/> name of the topology's spans.</summary>
    public const string SourceName = "Personalization";

    internal static readonly ActivitySource Source = new(SourceName);
}
