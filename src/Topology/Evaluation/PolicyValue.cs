using System.Buffers.Binary;
using Confluent.Kafka;
using Streams.Engine.Serialization;

namespace Personalization.Topology.Evaluation;

/// <summary>
/// The sufficient statistics of one policy's value over a set of logged decisions: for each decision the importance
/// weight w = π(a|x) / p(a|x) of the logged action a under the evaluated policy π, and the reward r. From them come the
/// IPS estimate (mean of w·r), the self-normalized estimate (Σ w·r / Σ w), their 95 % confidence intervals (normal
/// approximation; delta method for the ratio) and the effective sample size (Σ w)² / Σ w². The logged policy evaluated
/// against itself has w = 1 for every decision, so its IPS estimate is its mean reward: the on-policy value.
/// </summary>
public sealed class PolicyValue
{
    /// <summary>The two-sided 95 % quantile of the standard normal distribution.</summary>
    public const double Z95 = 1.959963984540054;

    private const byte Format = 1;
    private const int Size = 1 + 8 * 6;

    public long Count { get; private set; }

    public double SumW { get; private set; }

    public double SumW2 { get; private set; }

    public double SumWR { get; private set; }

    public double SumW2R { get; private set; }

    public double SumW2R2 { get; private set; }

    /// <summary>Adds a decision with importance weight <paramref name="weight"/> and reward <paramref name="reward"/>.</summary>
    public void Add(double weight, double reward)
    {
        var w2 = weight * weight;
        Count++;
        SumW += weight;
        SumW2 += w2;
        SumWR += weight * reward;
        SumW2R += w2 * reward;
        SumW2R2 += w2 * reward * reward;
    }

    /// <summary>(Σ w)² / Σ w²: how many on-policy decisions the weighted sample is worth; 0 when no weight is positive.</summary>
    public double EffectiveSampleSize => SumW2 > 0 ? SumW * SumW / SumW2 : 0;

    /// <summary>The IPS estimate with its confidence interval; for w = 1 throughout, the mean reward.</summary>
    public (double Estimate, double Lower, double Upper) Ips()
    {
        if (Count == 0)
        {
            return (0, 0, 0);
        }

        var mean = SumWR / Count;
        var variance = Count > 1 ? Math.Max(0, (SumW2R2 - Count * mean * mean) / (Count - 1)) : 0;
        var half = Z95 * Math.Sqrt(variance / Count);
        return (mean, mean - half, mean + half);
    }

    /// <summary>
    /// The self-normalized estimate with its confidence interval, or null while no decision has a positive weight (the
    /// evaluated policy never chose a logged action, so there is nothing to normalize by).
    /// </summary>
    public (double Estimate, double Lower, double Upper)? Snips()
    {
        if (SumW <= 0)
        {
            return null;
        }

        var value = SumWR / SumW;

        // Delta method for a ratio of means: Var ≈ Σ w²(r − V)² / (Σ w)².
        var spread = Math.Max(0, SumW2R2 - 2 * value * SumW2R + value * value * SumW2);
        var half = Z95 * Math.Sqrt(spread) / SumW;
        return (value, value - half, value + half);
    }

    /// <summary>The store format: a version byte, then the count and the five sums.</summary>
    internal sealed class Serde : ISerde<PolicyValue>
    {
        public byte[] Serialize(PolicyValue data, SerializationContext context)
        {
            var bytes = new byte[Size];
            bytes[0] = Format;
            var span = bytes.AsSpan(1);
            BinaryPrimitives.WriteInt64LittleEndian(span, data.Count);
            BinaryPrimitives.WriteDoubleLittleEndian(span[8..], data.SumW);
            BinaryPrimitives.WriteDoubleLittleEndian(span[16..], data.SumW2);
            BinaryPrimitives.WriteDoubleLittleEndian(span[24..], data.SumWR);
            BinaryPrimitives.WriteDoubleLittleEndian(span[32..], data.SumW2R);
            BinaryPrimitives.WriteDoubleLittleEndian(span[40..], data.SumW2R2);
            return bytes;
        }

        public PolicyValue Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return null!;
            }

            StoreFormat.Open(data, Format, Format, "policy value", out var body);
            return new PolicyValue
            {
                Count = BinaryPrimitives.ReadInt64LittleEndian(body),
                SumW = BinaryPrimitives.ReadDoubleLittleEndian(body[8..]),
                SumW2 = BinaryPrimitives.ReadDoubleLittleEndian(body[16..]),
                SumWR = BinaryPrimitives.ReadDoubleLittleEndian(body[24..]),
                SumW2R = BinaryPrimitives.ReadDoubleLittleEndian(body[32..]),
                SumW2R2 = BinaryPrimitives.ReadDoubleLittleEndian(body[40..]),
            };
        }
    }
}
