using Streams.Avro;

namespace Personalization.Topology.Records;

/// <summary>Event counts by type and purchase value over one horizon.</summary>
public sealed record ActivityCounts
{
    public int Events { get; init; }

    public int PageViews { get; init; }

    public int ProductViews { get; init; }

    public int Searches { get; init; }

    public int AddToCart { get; init; }

    public int Purchases { get; init; }

    public int PaymentAttempts { get; init; }

    public int PaymentFailures { get; init; }

    public int EmailClicks { get; init; }

    public int AdClicks { get; init; }

    public double PurchaseValue { get; init; }

    public void WriteTo(AvroWriter writer)
    {
        writer.WriteInt(Events);
        writer.WriteInt(PageViews);
        writer.WriteInt(ProductViews);
        writer.WriteInt(Searches);
        writer.WriteInt(AddToCart);
        writer.WriteInt(Purchases);
        writer.WriteInt(PaymentAttempts);
        writer.WriteInt(PaymentFailures);
        writer.WriteInt(EmailClicks);
        writer.WriteInt(AdClicks);
        writer.WriteDouble(PurchaseValue);
    }

    public static ActivityCounts ReadFrom(ref AvroReader reader) => new()
    {
        Events = reader.ReadInt(),
        PageViews = reader.ReadInt(),
        ProductViews = reader.ReadInt(),
        Searches = reader.ReadInt(),
        AddToCart = reader.ReadInt(),
        Purchases = reader.ReadInt(),
        PaymentAttempts = reader.ReadInt(),
        PaymentFailures = reader.ReadInt(),
        EmailClicks = reader.ReadInt(),
        AdClicks = reader.ReadInt(),
        PurchaseValue = reader.ReadDouble(),
    };
}
