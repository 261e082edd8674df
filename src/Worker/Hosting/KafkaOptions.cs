namespace Personalization.Worker.Hosting;

/// <summary>Section "Kafka": where the cluster and the Schema Registry are, and client settings passed through.</summary>
internal sealed class KafkaOptions
{
    /// <summary>The cluster; empty means the embedded default (an in-process cluster with the demo generator).</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>The Schema Registry; empty means the local registry built from schemas/.</summary>
    public string? SchemaRegistryUrl { get; set; }

    /// <summary>Basic authentication for the Schema Registry as user:password.</summary>
    public string? SchemaRegistryBasicAuthUserInfo { get; set; }

    /// <summary>Any librdkafka setting for every client, e.g. <c>Kafka__Client__security.protocol=SASL_SSL</c>.</summary>
    public Dictionary<string, string> Client { get; set; } = [];

    public bool IsEmbedded => string.IsNullOrWhiteSpace(BootstrapServers);
}
