using Streams.Avro;

namespace Personalization.Topology.Records;

/// <summary>Fraud-related features of the user.</summary>
public sealed record FraudSignals
{
    public int PaymentFailures10m { get; init; }

    public int DistinctDevices24h { get; init; }

    public int DistinctIps24h { get; init; }

    public int DistinctCountries24h { get; init; }

    public int AddressChanges24h { get; init; }

    public double OrderValue1h { get; init; }

    /// <summary>The last hour's purchase value over the user's mean hourly purchase value in the 24 hours before; 0 without history.</summary>
    public double OrderValueRatio { get; init; }

    public double AccountAgeSeconds { get; init; }

    public void WriteTo(AvroWriter writer)
    {
        writer.WriteInt(PaymentFailures10m);
        writer.WriteInt(DistinctDevices24h);
        writer.WriteInt(DistinctIps24h);
        writer.WriteInt(DistinctCountries24h);
        writer.WriteInt(AddressChanges24h);
        writer.WriteDouble(OrderValue1h);
        writer.WriteDouble(OrderValueRatio);
        writer.WriteDouble(AccountAgeSeconds);
    }

    public static FraudSignals ReadFrom(ref AvroReader reader) => new()
    {
        PaymentFailures10m = reader.ReadInt(),
        DistinctDevices24h = reader.ReadInt(),
        DistinctIps24h = reader.ReadInt(),
        DistinctCountries24h = reader.ReadInt(),
        AddressChanges24h = reader.ReadInt(),
        OrderValue1h = reader.ReadDouble(),
        OrderValueRatio = reader.ReadDouble(),
        AccountAgeSeconds = reader.ReadDouble(),
    };
}
