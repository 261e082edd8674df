using System.Net.Http.Headers;
using Confluent.SchemaRegistry;

namespace Streams.Avro.SchemaRegistry;

/// <summary>
/// A fixed bearer token for registries behind a gateway or an OAuth proxy. Confluent's own static-token source is for
/// Confluent Cloud and insists on a logical cluster and an identity pool, which other registries do not have.
/// </summary>
internal sealed class StaticBearerToken(string token) : IAuthenticationHeaderValueProvider
{
    private readonly AuthenticationHeaderValue _header = new("Bearer", token);

    public AuthenticationHeaderValue GetAuthenticationHeader() => _header;
}
