using k8s.Models;
using YamlDotNet.RepresentationModel;
using static Personalization.Worker.Tests.Deployment.RepositoryFiles;

namespace Personalization.Worker.Tests.Deployment;

/// <summary>
/// The Kustomize deployment, checked offline the way kubectl would read it: every file a kustomization names exists and
/// parses as its kind, overlays only touch what the base has, and the objects agree with what the worker reads, serves
/// and needs (configuration keys, ports, probes, volumes, pod security, scaling bounds).
/// </summary>
public sealed class KustomizeManifestTests
{
    private const string Base = "deploy/kustomize/base";
    private static readonly string[] CustomResourceGroups = ["monitoring.coreos.com", "keda.sh"];

    private static V1StatefulSet StatefulSet() => Kubernetes<V1StatefulSet>($"{Base}/statefulset.yaml");

    private static V1ConfigMap ConfigMap() => Kubernetes<V1ConfigMap>($"{Base}/configmap.yaml");

    private static V1Secret SecretExample() => Kubernetes<V1Secret>($"{Base}/secret.example.yaml");

    private static Hosting.WorkerSettings Settings() => RepositoryFiles.Settings(ConfigMap().Data, SecretExample().StringData);

    [Fact]
    public void Every_kustomization_names_files_that_exist_and_parse_as_Kubernetes_objects_and_the_base_needs_no_CRDs()
    {
        var kustomizations = Directory.EnumerateFiles(Path.Combine(Root, "deploy/kustomize"), "kustomization.yaml", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Root, path).Replace('\\', '/'))
            .ToList();
        Assert.Contains($"{Base}/kustomization.yaml", kustomizations);
        foreach (var kustomization in kustomizations)
        {
            var directory = Path.GetDirectoryName(kustomization)!.Replace('\\', '/');
            var document = Yaml(kustomization);
            var kind = document["kind"].ToString();
            Assert.Equal(directory.Contains("/components/", StringComparison.Ordinal) ? "Component" : "Kustomization", kind);
            foreach (var entry in Entries(document, "resources").Concat(Entries(document, "components")))
            {
                var path = Path.GetFullPath(Path.Combine(Root, directory, entry));
                Assert.True(File.Exists(path) || File.Exists(Path.Combine(path, "kustomization.yaml")), $"{kustomization} names {entry}, which does not exist");
                if (File.Exists(path))
                {
                    var resource = Path.GetRelativePath(Root, path);
                    var apiVersion = Yaml(resource)["apiVersion"].ToString();
                    var isCustom = CustomResourceGroups.Any(group => apiVersion.StartsWith(group, StringComparison.Ordinal));
                    Assert.False(isCustom && directory == Base, $"{resource} needs a CRD; such objects belong in a component, not the base");
                    if (!isCustom)
                    {
                        Assert.NotEmpty(k8s.KubernetesYaml.LoadAllFromString(Read(resource)));
                    }
                }
            }

            foreach (var patch in ((YamlSequenceNode?)TryGet(document, "patches"))?.Children.OfType<YamlMappingNode>() ?? [])
            {
                Assert.True(Exists($"{directory}/{patch["path"]}"), $"{kustomization} patches with {patch["path"]}, which does not exist");
            }
        }
    }

    [Theory]
    [InlineData("deploy/kustomize/overlays/staging")]
    [InlineData("deploy/kustomize/overlays/production")]
    public void An_overlay_renames_scales_and_patches_only_what_the_base_has(string overlay)
    {
        var document = Yaml($"{overlay}/kustomization.yaml");
        var statefulSet = StatefulSet();
        var images = statefulSet.Spec.Template.Spec.Containers.Concat(statefulSet.Spec.Template.Spec.InitContainers).Select(c => c.Image.Split(':')[0]).ToHashSet();

        Assert.Contains("../../base", Entries(document, "resources"));
        Assert.All(((YamlSequenceNode)document["images"]).Children.OfType<YamlMappingNode>(), image => Assert.Contains(image["name"].ToString(), images));
        Assert.All(((YamlSequenceNode)document["replicas"]).Children.OfType<YamlMappingNode>(), replicas => Assert.Equal(statefulSet.Metadata.Name, replicas["name"].ToString()));
        var baseObjects = Entries(Yaml($"{Base}/kustomization.yaml"), "resources").Select(file => Yaml($"{Base}/{file}"))
            .Select(o => (Kind: o["kind"].ToString(), Name: o["metadata"]["name"].ToString())).ToHashSet();
        foreach (var patch in ((YamlSequenceNode?)TryGet(document, "patches"))?.Children.OfType<YamlMappingNode>() ?? [])
        {
            var target = Yaml($"{overlay}/{patch["path"]}");
            Assert.Contains((target["kind"].ToString(), target["metadata"]["name"].ToString()), baseObjects);
        }

        if (Exists($"{overlay}/configmap-patch.yaml"))
        {
            // The patched configuration must still be one the worker accepts.
            var patch = Kubernetes<V1ConfigMap>($"{overlay}/configmap-patch.yaml");
            RepositoryFiles.Settings(ConfigMap().Data, patch.Data, SecretExample().StringData);
        }
    }

    [Fact]
    public void The_StatefulSet_probes_the_worker_endpoints_on_its_port_advertises_its_query_port_keeps_state_on_a_volume_and_outlasts_the_grace_period()
    {
        var statefulSet = StatefulSet();
        var settings = Settings();
        var pod = statefulSet.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);

        Assert.Equal([(settings.Http.Port, "http"), (settings.Queries.Port, "queries")], container.Ports.Select(p => (p.ContainerPort, p.Name)));
        Assert.Equal("status.podIP", Assert.Single(container.Env, e => e.Name == "POD_IP").ValueFrom.FieldRef.FieldPath);
        Assert.Equal($"http://$(POD_IP):{settings.Queries.Port}", Assert.Single(container.Env, e => e.Name == "Streams__ApplicationServer").Value);
        Assert.Equal("/healthz/live", container.LivenessProbe.HttpGet.Path);
        Assert.Equal("/healthz/ready", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal("/healthz/live", container.StartupProbe.HttpGet.Path);
        Assert.All(new[] { container.LivenessProbe, container.ReadinessProbe, container.StartupProbe }, probe => Assert.Equal("http", probe.HttpGet.Port.Value));
        Assert.Equal("metadata.name", Assert.Single(container.Env, e => e.Name == "POD_NAME").ValueFrom.FieldRef.FieldPath);
        var stateDir = Assert.Single(container.Env, e => e.Name == "Streams__StateDir").Value;
        var claim = Assert.Single(statefulSet.Spec.VolumeClaimTemplates);
        Assert.StartsWith(Assert.Single(container.VolumeMounts, m => m.Name == claim.Metadata.Name).MountPath, stateDir, StringComparison.Ordinal);
        Assert.NotNull(container.Resources.Requests["cpu"]);
        Assert.True(pod.TerminationGracePeriodSeconds > settings.Shutdown.GracePeriod.TotalSeconds, "Kubernetes must wait longer than the worker's own grace period");
        Assert.Equal(settings.Http.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), statefulSet.Spec.Template.Metadata.Annotations["prometheus.io/port"]);
        Assert.Equal("/metrics", statefulSet.Spec.Template.Metadata.Annotations["prometheus.io/path"]);
    }

    [Fact]
    public void The_pod_meets_the_restricted_pod_security_standard_runs_as_its_own_account_and_spreads_across_nodes()
    {
        var pod = StatefulSet().Spec.Template.Spec;
        var account = Kubernetes<V1ServiceAccount>($"{Base}/serviceaccount.yaml");

        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.Equal("OnRootMismatch", pod.SecurityContext.FsGroupChangePolicy);
        Assert.Equal(account.Metadata.Name, pod.ServiceAccountName);
        Assert.False(pod.AutomountServiceAccountToken);
        Assert.All(pod.Containers.Concat(pod.InitContainers), container =>
        {
            Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
            Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
            Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        });
        Assert.Contains(pod.TopologySpreadConstraints, spread => spread.TopologyKey == "kubernetes.io/hostname");
    }

    [Fact]
    public void Models_are_on_a_shared_volume_mounted_at_the_configured_directory_and_seeded_from_the_image()
    {
        var pod = StatefulSet().Spec.Template.Spec;
        var claim = Kubernetes<V1PersistentVolumeClaim>($"{Base}/models-pvc.yaml");
        var volume = Assert.Single(pod.Volumes, v => v.PersistentVolumeClaim?.ClaimName == claim.Metadata.Name);
        var worker = Assert.Single(pod.Containers);
        var seed = Assert.Single(pod.InitContainers);
        var imageModels = ImageEnvironment("Models__Directory");

        Assert.Contains("ReadWriteMany", claim.Spec.AccessModes);
        var mount = Assert.Single(worker.VolumeMounts, m => m.Name == volume.Name);
        Assert.Equal(Settings().Models.Directory, mount.MountPath);
        Assert.True(mount.ReadOnlyProperty);
        var seedMount = Assert.Single(seed.VolumeMounts, m => m.Name == volume.Name);
        Assert.NotEqual(true, seedMount.ReadOnlyProperty);
        var script = string.Join(' ', seed.Command);
        Assert.Contains($"cp -n {imageModels}/*", script, StringComparison.Ordinal);
        Assert.Contains(seedMount.MountPath, script, StringComparison.Ordinal);
    }

    [Fact]
    public void The_ConfigMap_and_the_example_Secret_are_a_valid_worker_configuration_with_a_session_timeout_for_static_membership()
    {
        var settings = Settings();
        var grace = StatefulSet().Spec.Template.Spec.TerminationGracePeriodSeconds!.Value;

        Assert.Equal(Streams.Engine.ProcessingGuarantee.ExactlyOnceV2, settings.Streams.ProcessingGuarantee);
        Assert.False(settings.Kafka.IsEmbedded);
        Assert.Equal("SASL_SSL", settings.Kafka.Client["security.protocol"]);
        Assert.True(settings.Kafka.Client.ContainsKey("sasl.password"), "the password comes from the Secret");
        var sessionTimeoutMs = int.Parse(settings.Kafka.Client["session.timeout.ms"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(sessionTimeoutMs >= 2 * grace * 1000, $"a restarted pod must return within session.timeout.ms ({sessionTimeoutMs} ms) to keep its partitions");
    }

    [Fact]
    public void KEDA_scales_on_the_groups_lag_as_the_brokers_report_it_within_the_partitions_the_threads_can_use()
    {
        var settings = Settings();
        var scaler = Yaml("deploy/kustomize/components/keda/scaledobject.yaml")["spec"];
        var trigger = (YamlMappingNode)((YamlSequenceNode)scaler["triggers"]).Children.Single();
        var metadata = trigger["metadata"];
        var authentication = Yaml("deploy/kustomize/components/keda/triggerauthentication.yaml");
        var secretVolume = Assert.Single(StatefulSet().Spec.Template.Spec.Volumes, v => v.Secret is not null).Secret;

        Assert.Equal(StatefulSet().Metadata.Name, scaler["scaleTargetRef"]["name"].ToString());
        Assert.Equal("kafka", trigger["type"].ToString());
        Assert.Equal(settings.Streams.ApplicationId, metadata["consumerGroup"].ToString());
        Assert.Equal(settings.Topics.Clickstream, metadata["topic"].ToString());
        Assert.Equal(settings.Kafka.BootstrapServers, metadata["bootstrapServers"].ToString());
        var maxReplicas = int.Parse(scaler["maxReplicaCount"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(maxReplicas * settings.Streams.NumThreads <= settings.Partitions,
            $"{maxReplicas} pods x {settings.Streams.NumThreads} threads exceed {settings.Partitions} partitions: the extra threads would idle");
        Assert.Null(TryGet((YamlMappingNode)scaler, "cooldownPeriod"));
        Assert.NotNull(TryGet((YamlMappingNode)scaler["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleDown"], "stabilizationWindowSeconds"));
        Assert.Equal(authentication["metadata"]["name"].ToString(), trigger["authenticationRef"]["name"].ToString());
        foreach (var reference in ((YamlSequenceNode)authentication["spec"]["secretTargetRef"]).Children.OfType<YamlMappingNode>())
        {
            Assert.Equal(secretVolume.SecretName, reference["name"].ToString());
            Assert.Contains(reference["key"].ToString(), SecretExample().StringData.Keys);
        }
    }

    [Fact]
    public void The_topics_Job_runs_the_topics_command_with_the_workers_configuration_and_secrets()
    {
        var job = Kubernetes<V1Job>("deploy/kustomize/jobs/topics-job.yaml");
        var container = Assert.Single(job.Spec.Template.Spec.Containers);
        var workerSecrets = Assert.Single(StatefulSet().Spec.Template.Spec.Volumes, v => v.Secret is not null).Secret.SecretName;

        Assert.Equal("topics", container.Args[0]);
        Assert.Equal(ConfigMap().Metadata.Name, Assert.Single(container.EnvFrom).ConfigMapRef.Name);
        var secretsDir = Assert.Single(container.Env, e => e.Name == "SECRETS_DIR").Value;
        var mount = Assert.Single(container.VolumeMounts, m => m.MountPath == secretsDir);
        Assert.Equal(workerSecrets, Assert.Single(job.Spec.Template.Spec.Volumes, v => v.Name == mount.Name).Secret.SecretName);
        Assert.Equal("RuntimeDefault", job.Spec.Template.Spec.SecurityContext.SeccompProfile.Type);
    }

    [Fact]
    public void The_Service_the_disruption_budget_and_the_ServiceMonitor_select_the_worker_pods_and_port()
    {
        var statefulSet = StatefulSet();
        var podLabels = statefulSet.Spec.Template.Metadata.Labels;
        var service = Kubernetes<V1Service>($"{Base}/service.yaml");
        var budget = Kubernetes<V1PodDisruptionBudget>($"{Base}/poddisruptionbudget.yaml");

        Assert.Equal(statefulSet.Spec.ServiceName, service.Metadata.Name);
        Assert.All(service.Spec.Selector, label => Assert.Equal(label.Value, podLabels[label.Key]));
        Assert.Equal("http", Assert.Single(service.Spec.Ports).TargetPort.Value);
        var queries = Kubernetes<V1Service>($"{Base}/service-queries.yaml");
        Assert.All(queries.Spec.Selector, label => Assert.Equal(label.Value, podLabels[label.Key]));
        Assert.Equal("queries", Assert.Single(queries.Spec.Ports).TargetPort.Value);
        Assert.All(budget.Spec.Selector.MatchLabels, label => Assert.Equal(label.Value, podLabels[label.Key]));
        var monitor = Yaml("deploy/kustomize/components/monitoring/servicemonitor.yaml");
        var endpoint = (YamlMappingNode)((YamlSequenceNode)monitor["spec"]["endpoints"]).Children[0];
        Assert.Equal("http", endpoint["port"].ToString());
        Assert.Equal("/metrics", endpoint["path"].ToString());
    }

    /// <summary>An ENV value the Dockerfile sets in the runtime image.</summary>
    internal static string ImageEnvironment(string name)
    {
        var line = Read("Dockerfile").Split('\n').Select(l => l.Trim().TrimStart('E', 'N', 'V').Trim()).First(l => l.StartsWith(name + "=", StringComparison.Ordinal));
        return line[(name.Length + 1)..].Split(' ')[0];
    }

    private static IEnumerable<string> Entries(YamlMappingNode document, string key) =>
        (TryGet(document, key) as YamlSequenceNode)?.Children.Select(node => node.ToString()) ?? [];

    private static YamlNode? TryGet(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;
}
