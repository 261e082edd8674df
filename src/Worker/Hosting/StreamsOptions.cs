namespace Personalization.Worker.Hosting;

/// <summary>Section "Streams": the engine's settings.</summary>
public sealed class StreamsOptions
{
    public string ApplicationId { get; set; } = "personalization";

    /// <summary><c>at_least_once</c> or <c>exactly_once_v2</c>.</summary>
    public string ProcessingGuarantee { get; set; } = "at_least_once";

    public int NumThreads { get; set; } = 1;

    public string StateDir { get; set; } = "state";

    /// <summary>Commit interval in milliseconds; unset means 100 under exactly-once and 30,000 otherwise.</summary>
    public int? CommitIntervalMs { get; set; }

    /// <summary>Static membership id; unset uses the POD_NAME environment variable when there is one.</summary>
    public string? GroupInstanceId { get; set; }

    /// <summary><c>dlq</c>, <c>skip</c> or <c>fail</c>.</summary>
    public string DeserializationErrorPolicy { get; set; } = "dlq";

    /// <summary><c>dlq</c>, <c>skip</c> or <c>fail</c>.</summary>
    public string ProcessingErrorPolicy { get; set; } = "dlq";

    /// <summary>Replication factor of internal topics; -1 for the broker default.</summary>
    public short ReplicationFactor { get; set; } = -1;

    /// <summary>The block cache all RocksDB stores of the process share, memtables included (MB).</summary>
    public int RocksDbCacheMb { get; set; } = 384;

    /// <summary>The part of that cache memtables may use before stores flush (MB).</summary>
    public int RocksDbWriteBufferMb { get; set; } = 192;

    /// <summary>How often freed C heap memory goes back to the operating system (s; Linux with glibc; 0 turns it off).</summary>
    public int NativeHeapTrimSeconds { get; set; } = 10;
}
