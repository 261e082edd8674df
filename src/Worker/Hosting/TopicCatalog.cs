namespace Personalization.Worker.Hosting;

/// <summary>Every topic the worker reads or writes, with its partitions and whether it is compacted.</summary>
internal static class TopicCatalog
{
    public static IReadOnlyList<(string Name, int Partitions, bool Compacted)> All(WorkerSettings settings)
    {
        var t = settings.Topics;
        var p = settings.Partitions;
        return
        [
            (t.Clickstream, p, false), (t.Decisions, p, false), (t.Rewards, p, false), (t.Forget, p, false),
            (t.Features, p, true), (t.FraudScores, p, false), (t.PropensityScores, p, false), (t.Training, p, false),
            (t.Attributes, p, true), (t.DeadLetters, p, false),
        ];
    }
}
