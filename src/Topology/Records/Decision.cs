using Avro;
using Streams.Avro;

namespace Personalization.Topology.Records;

/// <summary>A contextual-bandit decision as logged (schemas/Decision.avsc).</summary>
public sealed record Decision : IAvroRecord<Decision>
{
    private static readonly RecordSchema AvroSchema = RecordSchemas.Load(nameof(Decision));

    public static RecordSchema Schema => AvroSchema;

    public required string EventId { get; init; }

    public required string UserId { get; init; }

    public required DateTimeOffset Timestamp { get; init; }

    public required IReadOnlyDictionary<string, double> Context { get; init; }

    public required IReadOnlyList<string> Actions { get; init; }

    public required string ChosenAction { get; init; }

    public required double Probability { get; init; }

    public required IReadOnlyList<double> Probabilities { get; init; }

    public required string ModelId { get; init; }

    public long? RewardWaitMs { get; init; }

    public void WriteTo(AvroWriter writer)
    {
        writer.WriteString(EventId);
        writer.WriteString(UserId);
        writer.WriteTimestampMillis(Timestamp);
        writer.WriteDoubleMap(Context);
        writer.WriteStringArray(Actions);
        writer.WriteString(ChosenAction);
        writer.WriteDouble(Probability);
        writer.WriteDoubleArray(Probabilities);
        writer.WriteString(ModelId);
        writer.WriteOptionalLong(RewardWaitMs);
    }

    public static Decision ReadFrom(ref AvroReader reader) => new()
    {
        EventId = reader.ReadString(),
        UserId = reader.ReadString(),
        Timestamp = reader.ReadTimestampMillis(),
        Context = reader.ReadDoubleMap(),
        Actions = reader.ReadStringArray(),
        ChosenAction = reader.ReadString(),
        Probability = reader.ReadDouble(),
        Probabilities = reader.ReadDoubleArray(),
        ModelId = reader.ReadString(),
        RewardWaitMs = reader.ReadOptionalLong(),
    };
}
