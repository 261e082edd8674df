using Personalization.Topology;
using Personalization.Topology.Records;
using Personalization.Topology.Scoring;

namespace Personalization.Worker.Tests;

/// <summary>The worker's topics as the tests configure and create them, derived from the topology's own declarations.</summary>
internal static class WorkerTopics
{
    /// <summary>Each topic's <c>Topics__&lt;Option&gt;</c> key and default name (<see cref="TopicCatalog"/>).</summary>
    public static IReadOnlyList<(string Key, string Topic)> Keys { get; } = TopicCatalog.All.Select(t => (t.Option, t.DefaultName)).ToList();

    /// <summary>
    /// Sub-topologies of the worker's default topology (users, and the item side of the triggers): a worker whose
    /// topics all have N partitions runs this many times N tasks.
    /// </summary>
    public static int Subtopologies => Description.Value.Subtopologies.Count;

    private static readonly Lazy<Streams.Engine.Graph.TopologyDescription> Description = new(() =>
    {
        using var serdes = new RecordSerdes(RecordSchemas.LocalRegistry());
        using var models = new ModelDirectory(new ModelOptions { Directory = Path.GetTempPath() });
        var options = new PersonalizationOptions();
        return new PersonalizationTopology(options, serdes, models, new FraudGuardrail(options.Scoring)).Build().Describe();
    });

    /// <summary>
    /// The internal topics the worker's default topology uses under <paramref name="applicationId"/>: store changelogs
    /// and repartition topics. The embedded cluster's mock has no CreateTopics, so tests that run the worker as a
    /// process against it create these themselves.
    /// </summary>
    public static IReadOnlyList<string> Internal(string applicationId) => Description.Value.InternalTopics(applicationId);
}
