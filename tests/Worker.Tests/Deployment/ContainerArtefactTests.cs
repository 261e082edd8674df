using System.Text.RegularExpressions;
using k8s.Models;
using YamlDotNet.RepresentationModel;
using static Personalization.Worker.Tests.Deployment.RepositoryFiles;

namespace Personalization.Worker.Tests.Deployment;

/// <summary>
/// The Dockerfile and the compose stack, checked offline (no Docker engine runs here): what would stop them on first
/// contact (a KRaft cluster id the broker refuses, a worker racing the registry, restores that drift from CI's) and what
/// the StatefulSet relies on (user, port, volumes, model directory).
/// </summary>
public sealed partial class ContainerArtefactTests
{
    private static readonly string Dockerfile = Read("Dockerfile");

    [Fact]
    public void The_compose_broker_has_a_valid_KRaft_cluster_id_and_the_worker_waits_for_healthy_dependencies_and_restarts()
    {
        var services = (YamlMappingNode)Yaml("docker-compose.kafka.yml")["services"];
        var clusterId = services["kafka"]["environment"]["CLUSTER_ID"].ToString();

        // KRaft formats storage with a UUID written as 22 characters of unpadded base64url: 16 bytes.
        Assert.Matches("^[A-Za-z0-9_-]{22}$", clusterId);
        Assert.Equal(16, Convert.FromBase64String(clusterId.Replace('-', '+').Replace('_', '/') + "==").Length);
        foreach (var (name, service) in services.Children.Select(kv => (kv.Key.ToString(), (YamlMappingNode)kv.Value)))
        {
            if (service.Children.TryGetValue(new YamlScalarNode("depends_on"), out var dependsOn))
            {
                foreach (var (dependency, condition) in ((YamlMappingNode)dependsOn).Children.Select(kv => (kv.Key.ToString(), kv.Value["condition"].ToString())))
                {
                    if (condition == "service_healthy")
                    {
                        Assert.True(
                            ((YamlMappingNode)services[dependency]).Children.ContainsKey(new YamlScalarNode("healthcheck")),
                            $"{name} waits for {dependency} to be healthy, which has no health check");
                    }
                }
            }
        }

        var worker = (YamlMappingNode)services["worker"];
        Assert.Equal("service_healthy", worker["depends_on"]["schema-registry"]["condition"].ToString());
        Assert.Equal("service_completed_successfully", worker["depends_on"]["topics"]["condition"].ToString());
        Assert.Equal("on-failure", worker["restart"].ToString());
        var environment = ((YamlMappingNode)worker["environment"]).Children.Select(kv => new KeyValuePair<string, string>(kv.Key.ToString(), kv.Value.ToString()));
        Assert.False(Settings(environment).Kafka.IsEmbedded);
    }

    [Fact]
    public void The_image_restores_the_lock_files_CI_tested_in_a_cached_layer_and_publishes_for_its_platform_only()
    {
        var restore = Dockerfile.IndexOf("--locked-mode", StringComparison.Ordinal);
        var sources = Dockerfile.IndexOf("COPY src/ src/", StringComparison.Ordinal);

        Assert.True(restore > 0 && sources > restore, "restore (locked) must come before the sources are copied, so its layer is reused");
        var copies = ProjectCopy().Matches(Dockerfile);
        Assert.Equal(ProjectsTheWorkerBuildsFrom(), copies.Select(c => c.Groups[1].Value).Order(StringComparer.Ordinal));
        foreach (Match copy in copies)
        {
            var project = copy.Groups[1].Value;
            Assert.True(Exists(project), $"the Dockerfile copies {project}, which does not exist");
            var lockFile = Path.Combine(Path.GetDirectoryName(project)!, "packages.lock.json").Replace('\\', '/');
            Assert.Contains(lockFile, copy.Value, StringComparison.Ordinal);
            Assert.True(Exists(lockFile), $"{lockFile} is not committed");
        }

        Assert.Matches(@"dotnet publish \S+ -c Release -r ""\$RID"" --self-contained false --no-restore", Dockerfile);
        Assert.Contains("--locked-mode", Read(".ci/run"), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_project_in_the_solution_has_a_committed_lock_file()
    {
        var projects = SolutionProject().Matches(Read("Streams.sln")).Select(m => m.Groups[1].Value.Replace('\\', '/')).ToList();

        Assert.NotEmpty(projects);
        Assert.All(projects, project => Assert.True(Exists(Path.Combine(Path.GetDirectoryName(project)!, "packages.lock.json")), $"{project} has no packages.lock.json"));
    }

    [Fact]
    public void Base_images_are_pinned_to_exact_releases()
    {
        var images = BaseImage().Matches(Dockerfile).Select(m => m.Groups[1].Value).ToList();

        Assert.Equal(2, images.Count);
        Assert.All(images, image => Assert.Matches(@":\d+\.\d+\.\d+(-[a-z]+)?(@sha256:[0-9a-f]{64})?$", image));
    }

    [Fact]
    public void The_image_links_librdkafkas_SASL_library_so_GSSAPI_works_and_matches_what_the_StatefulSet_mounts()
    {
        var statefulSet = Kubernetes<V1StatefulSet>("deploy/kustomize/base/statefulset.yaml");
        var state = Assert.Single(statefulSet.Spec.Template.Spec.Containers[0].VolumeMounts, m => m.Name == "state").MountPath;

        Assert.Contains("libsasl2-modules-gssapi-mit", Dockerfile, StringComparison.Ordinal);
        Assert.Matches(@"ln -s ""\$libdir/libsasl2\.so\.2"" ""\$libdir/libsasl2\.so\.3""", Dockerfile);
        Assert.Contains("USER $APP_UID", Dockerfile, StringComparison.Ordinal);
        Assert.Contains("EXPOSE 8080", Dockerfile, StringComparison.Ordinal);
        Assert.Contains($"VOLUME {state}", Dockerfile, StringComparison.Ordinal);
        Assert.Equal("/app/models", KustomizeManifestTests.ImageEnvironment("Models__Directory"));
    }

    /// <summary>The worker's project and every project it references, directly or not, as paths from the root.</summary>
    private static IEnumerable<string> ProjectsTheWorkerBuildsFrom()
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(["src/Worker/Worker.csproj"]);
        while (pending.TryPop(out var project))
        {
            if (found.Add(project))
            {
                foreach (Match reference in ProjectReference().Matches(Read(project)))
                {
                    var combined = Path.Combine(Path.GetDirectoryName(project)!, reference.Groups[1].Value.Replace('\\', '/'));
                    pending.Push(Path.GetRelativePath("/repo", Path.GetFullPath(combined, "/repo")).Replace('\\', '/'));
                }
            }
        }

        return found;
    }

    [GeneratedRegex(@"<ProjectReference Include=""([^""]+)""")]
    private static partial Regex ProjectReference();

    [GeneratedRegex(@"^COPY (src/\S+\.csproj)( \S+)* src/\S+/$", RegexOptions.Multiline)]
    private static partial Regex ProjectCopy();

    [GeneratedRegex(@"^ARG \w+_IMAGE=(\S+)$", RegexOptions.Multiline)]
    private static partial Regex BaseImage();

    [GeneratedRegex(@"""([^""]+\.csproj)""")]
    private static partial Regex SolutionProject();
}
