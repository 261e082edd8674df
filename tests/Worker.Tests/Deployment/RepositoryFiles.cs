using k8s;
using Microsoft.Extensions.Configuration;
using Personalization.Worker.Hosting;
using YamlDotNet.RepresentationModel;

namespace Personalization.Worker.Tests.Deployment;

/// <summary>The repository's operational files, read as the tools that consume them would.</summary>
internal static class RepositoryFiles
{
    public static readonly string Root = FindRoot();

    public static string Read(string relativePath) => File.ReadAllText(Path.Combine(Root, relativePath));

    public static bool Exists(string relativePath) => File.Exists(Path.Combine(Root, relativePath));

    public static T Kubernetes<T>(string relativePath) => KubernetesYaml.Deserialize<T>(Read(relativePath));

    public static YamlMappingNode Yaml(string relativePath)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(Read(relativePath)));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    /// <summary>Configuration keys with "__" as the worker reads them from the environment.</summary>
    public static WorkerSettings Settings(params IEnumerable<KeyValuePair<string, string>>[] sources)
    {
        var configuration = new ConfigurationBuilder();
        foreach (var source in sources)
        {
            configuration.AddInMemoryCollection(source.Select(kv => new KeyValuePair<string, string?>(kv.Key.Replace("__", ":", StringComparison.Ordinal), kv.Value)));
        }

        return WorkerSettings.Load(configuration.Build(), AppContext.BaseDirectory);
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Streams.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("The repository root (with Streams.sln) is not above the test assembly.");
    }
}
