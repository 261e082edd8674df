namespace Personalization.Worker.Hosting;

/// <summary>Every topic the worker reads or writes, with its partitions and whether it is compacted.</summary>
internal static class TopicCatalog
{
    public static IReadOnlyList<(string Name, int Partitions, bool Compacted)> All(WorkerSettings settings) =>
        settings.Topics.All().Select(topic => (topic.Name, settings.Partitions, topic.Compacted)).ToList();
}
