using Avro;
using Streams.Avro;

namespace Personalization.Topology.Records;

/// <summary>A decision joined with its reward, for off-policy learning (schemas/TrainingRecord.avsc).</summary>
public sealed record TrainingRecord : IAvroRecord<TrainingRecord>
{
    private static readonly IReadOnlyDictionary<string, string> NoExperiments = new Dictionary<string, string>();

    private static readonly RecordSchema AvroSchema = RecordSchemas.Load(nameof(TrainingRecord));

    public static RecordSchema Schema => AvroSchema;

    /// <summary>The user's arm in each running experiment (experiment name to arm); empty when none runs.</summary>
    public IReadOnlyDictionary<string, string> Experiments { get; init; } = NoExperiments;

    public required string DecisionId { get; init; }

    public required string UserId { get; init; }

    public required DateTimeOffset DecisionTimestamp { get; init; }

    public required IReadOnlyDictionary<string, double> Context { get; init; }

    public required IReadOnlyList<string> Actions { get; init; }

    public required string ChosenAction { get; init; }

    public required double Probability { get; init; }

    public required IReadOnlyList<double> Probabilities { get; init; }

    public required string ModelId { get; init; }

    public required double Reward { get; init; }

    public required RewardSource RewardSource { get; init; }

    public required int Observations { get; init; }

    public required DateTimeOffset WindowEnd { get; init; }

    public required DateTimeOffset JoinedAt { get; init; }

    /// <summary>The position of <see cref="ChosenAction"/> among <see cref="Actions"/>; -1 when it is not among them.</summary>
    public int ChosenIndex()
    {
        for (var i = 0; i < Actions.Count; i++)
        {
            if (Actions[i] == ChosenAction)
            {
                return i;
            }
        }

        return -1;
    }

    public void WriteTo(AvroWriter writer)
    {
        writer.WriteString(DecisionId);
        writer.WriteString(UserId);
        writer.WriteTimestampMillis(DecisionTimestamp);
        writer.WriteDoubleMap(Context);
        writer.WriteStringArray(Actions);
        writer.WriteString(ChosenAction);
        writer.WriteDouble(Probability);
        writer.WriteDoubleArray(Probabilities);
        writer.WriteString(ModelId);
        writer.WriteDouble(Reward);
        writer.WriteEnum(RewardSource);
        writer.WriteInt(Observations);
        writer.WriteTimestampMillis(WindowEnd);
        writer.WriteTimestampMillis(JoinedAt);
        writer.WriteStringMap(Experiments);
    }

    public static TrainingRecord ReadFrom(ref AvroReader reader) => new()
    {
        DecisionId = reader.ReadString(),
        UserId = reader.ReadString(),
        DecisionTimestamp = reader.ReadTimestampMillis(),
        Context = reader.ReadDoubleMap(),
        Actions = reader.ReadStringArray(),
        ChosenAction = reader.ReadString(),
        Probability = reader.ReadDouble(),
        Probabilities = reader.ReadDoubleArray(),
        ModelId = reader.ReadString(),
        Reward = reader.ReadDouble(),
        RewardSource = reader.ReadEnum<RewardSource>(),
        Observations = reader.ReadInt(),
        WindowEnd = reader.ReadTimestampMillis(),
        JoinedAt = reader.ReadTimestampMillis(),
        Experiments = reader.ReadStringMap(),
    };
}
