using Avro;
using Streams.Avro;

namespace Personalization.Topology.Records;

/// <summary>A model's score for a user (schemas/Score.avsc).</summary>
public sealed record Score : IAvroRecord<Score>
{
    private static readonly IReadOnlyDictionary<string, string> NoExperiments = new Dictionary<string, string>();

    private static readonly RecordSchema AvroSchema = RecordSchemas.Load(nameof(Score));

    public static RecordSchema Schema => AvroSchema;

    /// <summary>The user's arm in each running experiment (experiment name to arm); empty when none runs.</summary>
    public IReadOnlyDictionary<string, string> Experiments { get; init; } = NoExperiments;

    public required string UserId { get; init; }

    public required string Model { get; init; }

    public required string ModelVersion { get; init; }

    public required double Value { get; init; }

    public required DateTimeOffset AsOf { get; init; }

    public string? TriggerEventId { get; init; }

    public required DateTimeOffset ScoredAt { get; init; }

    public bool Heuristic { get; init; }

    public void WriteTo(AvroWriter writer)
    {
        writer.WriteString(UserId);
        writer.WriteString(Model);
        writer.WriteString(ModelVersion);
        writer.WriteDouble(Value);
        writer.WriteTimestampMillis(AsOf);
        writer.WriteOptionalString(TriggerEventId);
        writer.WriteTimestampMillis(ScoredAt);
        writer.WriteBoolean(Heuristic);
        writer.WriteStringMap(Experiments);
    }

    public static Score ReadFrom(ref AvroReader reader) => new()
    {
        UserId = reader.ReadString(),
        Model = reader.ReadString(),
        ModelVersion = reader.ReadString(),
        Value = reader.ReadDouble(),
        AsOf = reader.ReadTimestampMillis(),
        TriggerEventId = reader.ReadOptionalString(),
        ScoredAt = reader.ReadTimestampMillis(),
        Heuristic = reader.ReadBoolean(),
        Experiments = reader.ReadStringMap(),
    };
}
