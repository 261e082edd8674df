using Streams.Avro;

namespace Personalization.Topology.Records;

/// <summary>Features of the user's current session.</summary>
public sealed record SessionFeatures
{
    public string? SessionId { get; init; }

    public int Events { get; init; }

    public int DistinctItems { get; init; }

    public double AgeSeconds { get; init; }

    /// <summary>Value added to the cart, net of removals, never below 0.</summary>
    public double CartValue { get; init; }

    public bool CheckoutStarted { get; init; }

    public int ProductViews { get; init; }

    /// <summary>Add-to-cart events, a count that needs no price (unlike <see cref="CartValue"/>).</summary>
    public int AddToCarts { get; init; }

    public void WriteTo(AvroWriter writer)
    {
        writer.WriteOptionalString(SessionId);
        writer.WriteInt(Events);
        writer.WriteInt(DistinctItems);
        writer.WriteDouble(AgeSeconds);
        writer.WriteDouble(CartValue);
        writer.WriteBoolean(CheckoutStarted);
        writer.WriteInt(ProductViews);
        writer.WriteInt(AddToCarts);
    }

    public static SessionFeatures ReadFrom(ref AvroReader reader) => new()
    {
        SessionId = reader.ReadOptionalString(),
        Events = reader.ReadInt(),
        DistinctItems = reader.ReadInt(),
        AgeSeconds = reader.ReadDouble(),
        CartValue = reader.ReadDouble(),
        CheckoutStarted = reader.ReadBoolean(),
        ProductViews = reader.ReadInt(),
        AddToCarts = reader.ReadInt(),
    };
}
