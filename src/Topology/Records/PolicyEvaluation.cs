using Avro;
using Streams.Avro;

namespace Personalization.Topology.Records;

/// <summary>A live estimate of a bandit policy's value over one window of training records (schemas/PolicyEvaluation.avsc).</summary>
public sealed record PolicyEvaluation : IAvroRecord<PolicyEvaluation>
{
    private static readonly RecordSchema AvroSchema = RecordSchemas.Load(nameof(PolicyEvaluation));

    public static RecordSchema Schema => AvroSchema;

    public required string PolicyId { get; init; }

    public required string LoggedPolicy { get; init; }

    public required DateTimeOffset WindowStart { get; init; }

    public required DateTimeOffset WindowEnd { get; init; }

    public required long Records { get; init; }

    public required Estimator Estimator { get; init; }

    public required double Estimate { get; init; }

    public required double CiLower { get; init; }

    public required double CiUpper { get; init; }

    public required double EffectiveSampleSize { get; init; }

    public required DateTimeOffset EvaluatedAt { get; init; }

    public void WriteTo(AvroWriter writer)
    {
        writer.WriteString(PolicyId);
        writer.WriteString(LoggedPolicy);
        writer.WriteTimestampMillis(WindowStart);
        writer.WriteTimestampMillis(WindowEnd);
        writer.WriteLong(Records);
        writer.WriteEnum(Estimator);
        writer.WriteDouble(Estimate);
        writer.WriteDouble(CiLower);
        writer.WriteDouble(CiUpper);
        writer.WriteDouble(EffectiveSampleSize);
        writer.WriteTimestampMillis(EvaluatedAt);
    }

    public static PolicyEvaluation ReadFrom(ref AvroReader reader) => new()
    {
        PolicyId = reader.ReadString(),
        LoggedPolicy = reader.ReadString(),
        WindowStart = reader.ReadTimestampMillis(),
        WindowEnd = reader.ReadTimestampMillis(),
        Records = reader.ReadLong(),
        Estimator = reader.ReadEnum<Estimator>(),
        Estimate = reader.ReadDouble(),
        CiLower = reader.ReadDouble(),
        CiUpper = reader.ReadDouble(),
        EffectiveSampleSize = reader.ReadDouble(),
        EvaluatedAt = reader.ReadTimestampMillis(),
    };
}
