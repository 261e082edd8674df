using System.Text.RegularExpressions;
using Personalization.Topology;
using static Personalization.Worker.Tests.Deployment.RepositoryFiles;

namespace Personalization.Worker.Tests.Deployment;

/// <summary>The topics reference for consumers says what the topic catalog declares, topic for topic.</summary>
public sealed partial class TopicReferenceTests
{
    [Fact]
    public void The_topics_reference_lists_every_catalog_topic_with_its_direction_key_value_and_compaction()
    {
        var documented = TopicRow().Matches(Read("docs/consume/topics.md"))
            .Select(m => (Name: m.Groups["name"].Value, In: m.Groups["direction"].Value == "in", Key: m.Groups["key"].Value.Trim(),
                Value: m.Groups["value"].Value.Trim().Trim('`'), Compacted: m.Groups["compacted"].Value == "yes"))
            .ToList();

        var declared = TopicCatalog.All
            .Select(t => (Name: t.DefaultName, In: t.Direction == TopicDirection.Input, t.Key, Value: t.ValueDescription, t.Compacted))
            .ToList();

        Assert.Equal(declared.OrderBy(t => t.Name, StringComparer.Ordinal), documented.OrderBy(t => t.Name, StringComparer.Ordinal));
    }

    [GeneratedRegex(@"^\| `(?<name>[a-z.]+)` \((?<direction>in|out)\) \| (?<key>[^|]+) \| (?<value>[^|]+) \| (?<compacted>yes|no) \|", RegexOptions.Multiline)]
    private static partial Regex TopicRow();
}
