using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Personalization.Worker.Hosting;
using YamlDotNet.RepresentationModel;

namespace Personalization.Worker.Tests;

/// <summary>The container image and the Kubernetes manifests agree with what the worker serves and reads.</summary>
public sealed class DeploymentManifestTests
{
    private static readonly string Root = FindRepositoryRoot();

    private static string Read(string relativePath) => File.ReadAllText(Path.Combine(Root, relativePath));

    [Fact]
    public void The_StatefulSet_probes_the_worker_endpoints_on_its_port_and_keeps_state_on_a_persistent_volume()
    {
        var statefulSet = KubernetesYaml.Deserialize<V1StatefulSet>(Read("deploy/k8s/statefulset.yaml"));
        var settings = Settings();
        var pod = statefulSet.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);

        var port = Assert.Single(container.Ports);
        Assert.Equal((settings.Http.Port, "http"), (port.ContainerPort, port.Name));
        Assert.Equal("/healthz/live", container.LivenessProbe.HttpGet.Path);
        Assert.Equal("/healthz/ready", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal("/healthz/live", container.StartupProbe.HttpGet.Path);
        Assert.All(new[] { container.LivenessProbe, container.ReadinessProbe, container.StartupProbe }, probe => Assert.Equal("http", probe.HttpGet.Port.Value));

        // Static membership: the pod name is the group.instance.id.
        var podName = Assert.Single(container.Env, e => e.Name == "POD_NAME");
        Assert.Equal("metadata.name", podName.ValueFrom.FieldRef.FieldPath);

        var stateDir = Assert.Single(container.Env, e => e.Name == "Streams__StateDir").Value;
        var claim = Assert.Single(statefulSet.Spec.VolumeClaimTemplates);
        var mount = Assert.Single(container.VolumeMounts, m => m.Name == claim.Metadata.Name);
        Assert.StartsWith(mount.MountPath, stateDir, StringComparison.Ordinal);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.NotNull(container.Resources.Requests["cpu"]);
        Assert.True(pod.TerminationGracePeriodSeconds > settings.Shutdown.GracePeriod.TotalSeconds, "Kubernetes must wait longer than the worker's own grace period");
        Assert.Equal("8080", statefulSet.Spec.Template.Metadata.Annotations["prometheus.io/port"]);
        Assert.Equal("/metrics", statefulSet.Spec.Template.Metadata.Annotations["prometheus.io/path"]);
    }

    [Fact]
    public void The_ConfigMap_is_a_valid_worker_configuration()
    {
        var settings = Settings();

        Assert.Equal("exactly_once_v2", settings.Streams.ProcessingGuarantee);
        Assert.Equal(12, settings.Partitions);
        Assert.False(settings.Kafka.IsEmbedded);
        Assert.Equal("SASL_SSL", settings.Kafka.Client["security.protocol"]);
    }

    [Fact]
    public void The_Service_the_disruption_budget_and_the_scrape_configuration_point_at_the_worker_pods_and_port()
    {
        var statefulSet = KubernetesYaml.Deserialize<V1StatefulSet>(Read("deploy/k8s/statefulset.yaml"));
        var podLabels = statefulSet.Spec.Template.Metadata.Labels;
        var service = KubernetesYaml.Deserialize<V1Service>(Read("deploy/k8s/service.yaml"));
        var budget = KubernetesYaml.Deserialize<V1PodDisruptionBudget>(Read("deploy/k8s/poddisruptionbudget.yaml"));

        Assert.Equal(statefulSet.Spec.ServiceName, service.Metadata.Name);
        Assert.All(service.Spec.Selector, label => Assert.Equal(label.Value, podLabels[label.Key]));
        Assert.Equal("http", Assert.Single(service.Spec.Ports).TargetPort.Value);
        Assert.All(budget.Spec.Selector.MatchLabels, label => Assert.Equal(label.Value, podLabels[label.Key]));

        var monitor = Yaml("deploy/k8s/servicemonitor.yaml");
        var endpoint = (YamlMappingNode)((YamlSequenceNode)monitor["spec"]["endpoints"]).Children[0];
        Assert.Equal("http", endpoint["port"].ToString());
        Assert.Equal("/metrics", endpoint["path"].ToString());

        var scaler = Yaml("deploy/k8s/keda-scaledobject.yaml");
        Assert.Equal(statefulSet.Metadata.Name, scaler["spec"]["scaleTargetRef"]["name"].ToString());
        Assert.Contains("streams_consumer_lag_records", ((YamlSequenceNode)scaler["spec"]["triggers"]).Children[0]["metadata"]["query"].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_image_runs_as_non_root_exposes_the_worker_port_and_keeps_state_on_the_volume_the_StatefulSet_mounts()
    {
        var dockerfile = Read("Dockerfile");
        var statefulSet = KubernetesYaml.Deserialize<V1StatefulSet>(Read("deploy/k8s/statefulset.yaml"));
        var mount = Assert.Single(statefulSet.Spec.Template.Spec.Containers[0].VolumeMounts, m => m.Name == "state").MountPath;

        Assert.Contains("USER $APP_UID", dockerfile, StringComparison.Ordinal);
        Assert.Contains($"EXPOSE {Settings().Http.Port}", dockerfile, StringComparison.Ordinal);
        Assert.Contains($"VOLUME {mount}", dockerfile, StringComparison.Ordinal);
        Assert.Contains("AS build", dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void The_Grafana_dashboard_charts_lag_throughput_latency_errors_and_rebalances_from_exported_metrics()
    {
        using var dashboard = JsonDocument.Parse(Read("deploy/grafana/personalization-worker.json"));
        var expressions = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .Select(t => t.GetProperty("expr").GetString()!)
            .ToList();

        foreach (var metric in new[]
        {
            "streams_consumer_lag_records", "streams_consumer_lag_seconds", "streams_records_consumed_total", "streams_records_produced_total",
            "streams_e2e_latency_seconds_bucket", "streams_dead_letters_total", "streams_rebalances_total", "streams_restore_remaining_records",
        })
        {
            Assert.Contains(expressions, e => e.Contains(metric, StringComparison.Ordinal));
        }
    }

    /// <summary>The ConfigMap's data as the worker would read it from the environment.</summary>
    private static WorkerSettings Settings()
    {
        var configMap = KubernetesYaml.Deserialize<V1ConfigMap>(Read("deploy/k8s/configmap.yaml"));
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(configMap.Data.Select(kv => new KeyValuePair<string, string?>(kv.Key.Replace("__", ":", StringComparison.Ordinal), kv.Value)))
            .Build();
        return WorkerSettings.Load(configuration, AppContext.BaseDirectory);
    }

    private static YamlMappingNode Yaml(string relativePath)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(Read(relativePath)));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static string FindRepositoryRoot()
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
