using Confluent.SchemaRegistry;

namespace Streams.Avro.SchemaRegistry;

/// <summary>
/// Where the schema registry is and how to talk to it: the subset of Confluent's <see cref="SchemaRegistryConfig"/> a
/// worker needs, validated before the first request so a typo stops start-up with the property's name.
/// </summary>
public sealed class SchemaRegistryOptions
{
    /// <summary>The registry's base URL; several may be given, comma-separated, and are tried in turn.</summary>
    public string Url { get; set; } = "";

    /// <summary>Basic authentication as <c>user:password</c>; none if empty.</summary>
    public string? BasicAuthUserInfo { get; set; }

    /// <summary>A static bearer token (e.g. a mounted service-account token); none if empty. Exclusive with basic auth.</summary>
    public string? BearerAuthToken { get; set; }

    /// <summary>The logical cluster a bearer token is for: set for Confluent Cloud, which requires it, and leave empty elsewhere.</summary>
    public string? BearerAuthLogicalCluster { get; set; }

    /// <summary>The identity pool a bearer token belongs to (Confluent Cloud requires it).</summary>
    public string? BearerAuthIdentityPoolId { get; set; }

    /// <summary>A PEM file of the certificate authorities to trust for https URLs.</summary>
    public string? SslCaLocation { get; set; }

    /// <summary>A PKCS#12 keystore with the client certificate for mutual TLS.</summary>
    public string? SslKeystoreLocation { get; set; }

    /// <summary>The keystore's password.</summary>
    public string? SslKeystorePassword { get; set; }

    /// <summary>Verify the registry's certificate (on unless a test registry has a self-signed one).</summary>
    public bool EnableSslCertificateVerification { get; set; } = true;

    /// <summary>How long one HTTP request may take before it counts as failed.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after a failed attempt (HTTP 408, 429 or 5xx); other 4xx answers are not retried.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The wait before the first retry; it doubles per retry, up to <see cref="MaxRetryBackoff"/>.</summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest wait between retries.</summary>
    public TimeSpan MaxRetryBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Checks the options; the message names the offending property.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Url))
        {
            throw new ArgumentException($"{nameof(Url)} must name the schema registry, e.g. http://schema-registry:8081.");
        }

        // Every comma-separated entry must be a URL: an empty one is a typo, not something to skip.
        foreach (var url in Url.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException($"{nameof(Url)} '{url}' is not an absolute http(s) URL.");
            }
        }

        if (BasicAuthUserInfo is { Length: > 0 } userInfo && !userInfo.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"{nameof(BasicAuthUserInfo)} must be 'user:password'.");
        }

        if (!string.IsNullOrEmpty(BasicAuthUserInfo) && !string.IsNullOrEmpty(BearerAuthToken))
        {
            throw new ArgumentException($"{nameof(BasicAuthUserInfo)} and {nameof(BearerAuthToken)} are exclusive; set one.");
        }

        foreach (var (name, path) in new[] { (nameof(SslCaLocation), SslCaLocation), (nameof(SslKeystoreLocation), SslKeystoreLocation) })
        {
            if (!string.IsNullOrEmpty(path) && !File.Exists(path))
            {
                throw new ArgumentException($"{name} '{path}' does not exist.");
            }
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(RequestTimeout)} must be positive but is {RequestTimeout}.");
        }

        if (MaxRetries < 0)
        {
            throw new ArgumentException($"{nameof(MaxRetries)} must not be negative but is {MaxRetries}.");
        }

        if (RetryBackoff < TimeSpan.Zero || MaxRetryBackoff < RetryBackoff)
        {
            throw new ArgumentException($"{nameof(RetryBackoff)} ({RetryBackoff}) must be non-negative and at most {nameof(MaxRetryBackoff)} ({MaxRetryBackoff}).");
        }
    }

    /// <summary>The same settings in the form of Confluent's client configuration.</summary>
    internal SchemaRegistryConfig ToConfluentConfig()
    {
        var config = new SchemaRegistryConfig
        {
            Url = string.Join(',', Url.Split(',', StringSplitOptions.TrimEntries)),
            RequestTimeoutMs = (int)RequestTimeout.TotalMilliseconds,
            // Confluent's client makes at most max.retries attempts in all (0 makes none), so it is one more than ours.
            MaxRetries = MaxRetries + 1,
            RetriesWaitMs = (int)RetryBackoff.TotalMilliseconds,
            RetriesMaxWaitMs = (int)MaxRetryBackoff.TotalMilliseconds,
            EnableSslCertificateVerification = EnableSslCertificateVerification,
        };
        if (!string.IsNullOrEmpty(BasicAuthUserInfo))
        {
            config.BasicAuthCredentialsSource = AuthCredentialsSource.UserInfo;
            config.BasicAuthUserInfo = BasicAuthUserInfo;
        }

        if (!string.IsNullOrEmpty(BearerAuthToken) && !string.IsNullOrEmpty(BearerAuthLogicalCluster))
        {
            config.BearerAuthCredentialsSource = BearerAuthCredentialsSource.StaticToken;
            config.BearerAuthToken = BearerAuthToken;
            config.BearerAuthLogicalCluster = BearerAuthLogicalCluster;
            config.BearerAuthIdentityPoolId = BearerAuthIdentityPoolId;
        }

        if (!string.IsNullOrEmpty(SslCaLocation))
        {
            config.SslCaLocation = SslCaLocation;
        }

        if (!string.IsNullOrEmpty(SslKeystoreLocation))
        {
            config.SslKeystoreLocation = SslKeystoreLocation;
            config.SslKeystorePassword = SslKeystorePassword;
        }

        return config;
    }

    /// <summary>A bearer token for a registry other than Confluent Cloud, which Confluent's config cannot express.</summary>
    internal IAuthenticationHeaderValueProvider? PlainBearerToken() =>
        !string.IsNullOrEmpty(BearerAuthToken) && string.IsNullOrEmpty(BearerAuthLogicalCluster) ? new StaticBearerToken(BearerAuthToken) : null;
}
