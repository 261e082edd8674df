namespace Personalization.Topology.Records;

/// <summary>The kinds of clickstream event, in the schema's symbol order.</summary>
public enum EventType
{
    PageView,
    ProductView,
    Search,
    AddToCart,
    RemoveFromCart,
    CheckoutStart,
    Purchase,
    PaymentAttempt,
    PaymentFailed,
    AddressChange,
    Login,
    EmailOpen,
    EmailClick,
    AdClick,
}
