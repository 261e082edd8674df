using System.Text.Json.Serialization;

namespace Personalization.Bench;

/// <summary>One measured scenario, printed as a table row and as one JSON object.</summary>
internal sealed record ScenarioResult
{
    [JsonPropertyName("scenario")]
    public required string Scenario { get; init; }

    [JsonPropertyName("variant")]
    public required string Variant { get; init; }

    [JsonPropertyName("events")]
    public required long Events { get; init; }

    [JsonPropertyName("seconds")]
    public required double Seconds { get; init; }

    [JsonPropertyName("events_per_s")]
    public double EventsPerSecond => Seconds > 0 ? Events / Seconds : 0;

    /// <summary>Throughput relative to the scenario's baseline measured in the same run.</summary>
    [JsonPropertyName("ratio")]
    public double? Ratio { get; init; }

    /// <summary>CPU seconds per event relative to the baseline's; for the count, the baseline of the same round.</summary>
    [JsonPropertyName("cpu_ratio")]
    public double? CpuRatio { get; init; }

    [JsonPropertyName("baseline")]
    public string? Baseline { get; init; }

    /// <summary>CPU seconds (user + system) of the bench process over the measured window; the cluster is not in it.</summary>
    [JsonPropertyName("cpu_seconds")]
    public double? CpuSeconds { get; init; }

    [JsonPropertyName("cpu_s_per_million_events")]
    public double? CpuSecondsPerMillionEvents => CpuSeconds is { } cpu && Events > 0 ? cpu / Events * 1e6 : null;

    [JsonPropertyName("allocated_bytes_per_event")]
    public double? AllocatedBytesPerEvent { get; init; }

    [JsonPropertyName("e2e_latency_ms")]
    public Dictionary<string, LatencyFigures>? Latency { get; init; }

    /// <summary>The run did not finish or its output failed the check: its figures are not comparable.</summary>
    [JsonPropertyName("incomplete")]
    public bool Incomplete { get; init; }

    [JsonPropertyName("notes")]
    public string? Notes { get; init; }

    [JsonPropertyName("peak_working_set_mb")]
    public double PeakWorkingSetMb { get; init; }

    /// <summary>Parts of a result's notes, in order, any of them possibly absent.</summary>
    public static string? JoinNotes(params string?[] notes)
    {
        var present = notes.Where(note => note is not null).ToArray();
        return present.Length == 0 ? null : string.Join("; ", present);
    }
}

/// <summary>End-to-end latency percentiles for one output topic, in milliseconds.</summary>
internal sealed record LatencyFigures(
    [property: JsonPropertyName("p50")] double P50,
    [property: JsonPropertyName("p99")] double P99,
    [property: JsonPropertyName("p999")] double P999,
    [property: JsonPropertyName("count")] long Count)
{
    /// <summary>"p50 a ms, p99 b ms, p99.9 c ms (n <paramref name="counted"/>)", as the bench prints figures.</summary>
    public string Describe(string counted) => FormattableString.Invariant($"p50 {P50:F0} ms, p99 {P99:F0} ms, p99.9 {P999:F0} ms ({Count:N0} {counted})");
}
