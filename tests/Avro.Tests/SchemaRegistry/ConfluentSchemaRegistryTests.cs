using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Streams.Avro.SchemaRegistry;

namespace Streams.Avro.Tests.SchemaRegistry;

/// <summary>
/// The client against a real HTTP server that answers as Confluent's REST API documents. The contract tests run
/// against the Schema Registry in SCHEMA_REGISTRY_URL instead when it is set; the tests that need the server to fail,
/// stall, count requests or demand credentials always use the test server.
/// </summary>
public sealed class ConfluentSchemaRegistryTests : IAsyncLifetime
{
    private static readonly string? ExternalUrl = Environment.GetEnvironmentVariable("SCHEMA_REGISTRY_URL") is { Length: > 0 } url ? url : null;

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];
    private TestSchemaRegistryServer _server = null!;

    public async Task InitializeAsync() => _server = await TestSchemaRegistryServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string Subject(string name) => $"{name}-{_suffix}-value";

    private static string Schema(params string[] extraFields) =>
        $$"""{"type":"record","name":"Sample","namespace":"test","fields":[{"name":"id","type":"string"}{{string.Concat(extraFields.Select(f => "," + f))}}]}""";

    private ConfluentSchemaRegistry ContractClient() =>
        new(new SchemaRegistryOptions { Url = ExternalUrl ?? _server.Url, BasicAuthUserInfo = Environment.GetEnvironmentVariable("SCHEMA_REGISTRY_AUTH") });

    private ConfluentSchemaRegistry TestServerClient(Action<SchemaRegistryOptions>? configure = null)
    {
        var options = new SchemaRegistryOptions { Url = _server.Url, RetryBackoff = TimeSpan.FromMilliseconds(10), MaxRetryBackoff = TimeSpan.FromMilliseconds(50) };
        configure?.Invoke(options);
        return new ConfluentSchemaRegistry(options);
    }

    [Fact]
    public async Task Registering_a_schema_returns_its_id_and_the_id_serves_the_schema_back()
    {
        using var client = ContractClient();
        var subject = Subject("register");

        var id = await client.RegisterAsync(subject, Schema());
        var again = await client.RegisterAsync(subject, Schema());

        Assert.Equal(id, again);
        using var fresh = ContractClient();
        Assert.Equal(global::Avro.Schema.Parse(Schema()), global::Avro.Schema.Parse(await fresh.GetSchemaAsync(id)));
        Assert.Equal(id, await fresh.GetIdAsync(subject, Schema()));
    }

    [Fact]
    public async Task The_latest_version_of_a_subject_is_the_last_schema_registered()
    {
        using var client = ContractClient();
        var subject = Subject("latest");
        await client.RegisterAsync(subject, Schema());
        var secondId = await client.RegisterAsync(subject, Schema("""{"name":"note","type":["null","string"],"default":null}"""));

        var latest = await client.GetLatestAsync(subject);

        Assert.Equal(subject, latest.Subject);
        Assert.Equal(2, latest.Version);
        Assert.Equal(secondId, latest.Id);
        Assert.Contains("note", latest.Schema, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compatibility_accepts_an_optional_field_and_rejects_a_required_one_with_reasons()
    {
        using var client = ContractClient();
        var subject = Subject("compat");
        await client.RegisterAsync(subject, Schema());

        var optional = await client.CheckCompatibilityAsync(subject, Schema("""{"name":"note","type":["null","string"],"default":null}"""));
        var required = await client.CheckCompatibilityAsync(subject, Schema("""{"name":"amount","type":"double"}"""));
        var unknownSubject = await client.CheckCompatibilityAsync(Subject("never-registered"), Schema());

        Assert.True(optional.IsCompatible);
        Assert.False(required.IsCompatible);
        Assert.NotEmpty(required.Messages);
        Assert.True(unknownSubject.IsCompatible);
    }

    [Fact]
    public async Task Errors_name_the_subject_or_id_and_the_HTTP_status()
    {
        using var client = ContractClient();
        var subject = Subject("errors");
        await client.RegisterAsync(subject, Schema());

        var unknownId = await Assert.ThrowsAsync<SchemaRegistryException>(() => client.GetSchemaAsync(int.MaxValue - 7));
        var unknownSubject = await Assert.ThrowsAsync<SchemaRegistryException>(() => client.GetLatestAsync(Subject("missing")));
        var notRegistered = await Assert.ThrowsAsync<SchemaRegistryException>(() => client.GetIdAsync(subject, Schema("""{"name":"x","type":"int","default":0}""")));
        var incompatible = await Assert.ThrowsAsync<SchemaRegistryException>(() => client.RegisterAsync(subject, Schema("""{"name":"amount","type":"double"}""")));

        Assert.Equal((404, 40403), (unknownId.StatusCode, unknownId.ErrorCode));
        Assert.Contains($"schema id {int.MaxValue - 7}", unknownId.Message, StringComparison.Ordinal);
        Assert.Contains("404", unknownId.Message, StringComparison.Ordinal);
        Assert.Equal((404, 40401), (unknownSubject.StatusCode, unknownSubject.ErrorCode));
        Assert.Contains(Subject("missing"), unknownSubject.Message, StringComparison.Ordinal);
        Assert.Equal((404, 40403), (notRegistered.StatusCode, notRegistered.ErrorCode));
        Assert.Equal(409, incompatible.StatusCode);
        Assert.Equal(subject, incompatible.Subject);
        Assert.Contains(subject, incompatible.Message, StringComparison.Ordinal);
        Assert.Contains("409", incompatible.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_schema_and_id_touches_the_network_once_even_under_concurrent_use()
    {
        using (var writer = TestServerClient())
        {
            await writer.RegisterAsync("cache-value", Schema());
        }

        using var client = TestServerClient();
        var before = _server.Requests.Count;

        var schemas = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => client.GetSchemaAsync(1))));
        var ids = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => client.RegisterAsync("cache-value", Schema()))));
        await client.GetSchemaAsync(1);

        Assert.Single(schemas.Distinct());
        Assert.Equal([1], ids.Distinct());
        Assert.Equal(2, _server.Requests.Count - before);
    }

    [Fact]
    public async Task A_registered_schema_is_known_by_id_without_asking_again()
    {
        using var client = TestServerClient();
        var id = await client.RegisterAsync("known-value", Schema());
        var before = _server.Requests.Count;

        await client.GetSchemaAsync(id);

        Assert.Equal(before, _server.Requests.Count);
    }

    [Fact]
    public async Task Server_errors_are_retried_and_a_request_succeeds_once_the_server_recovers()
    {
        using var client = TestServerClient(o => o.MaxRetries = 3);
        _server.FailNext(2);

        var id = await client.RegisterAsync("retry-value", Schema());

        Assert.Equal(1, id);
        Assert.Equal(3, _server.Requests.Count);
    }

    [Fact]
    public async Task When_retries_run_out_the_error_says_how_many_attempts_failed_and_with_what_status()
    {
        using var client = TestServerClient(o => o.MaxRetries = 2);
        _server.FailNext(10);

        var error = await Assert.ThrowsAsync<SchemaRegistryException>(() => client.RegisterAsync("down-value", Schema()));

        Assert.Equal(503, error.StatusCode);
        Assert.Equal("down-value", error.Subject);
        Assert.Contains("3 attempt(s)", error.Message, StringComparison.Ordinal);
        Assert.Contains("subject 'down-value'", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, _server.Requests.Count);

        _server.FailNext(0);
        Assert.Equal(1, await client.RegisterAsync("down-value", Schema()));
    }

    [Fact]
    public async Task A_request_that_exceeds_the_timeout_is_abandoned_for_the_next_url()
    {
        _server.Delay = TimeSpan.FromSeconds(5);
        using var twoUrls = TestServerClient(o => (o.Url, o.RequestTimeout) = ($"{_server.Url},{_server.Url}", TimeSpan.FromMilliseconds(300)));
        _server.DelayNext(1);
        Assert.Equal(1, await twoUrls.RegisterAsync("slow-value", Schema()));

        using var impatient = TestServerClient(o => (o.RequestTimeout, o.MaxRetries) = (TimeSpan.FromMilliseconds(300), 0));
        _server.DelayNext(1);
        var error = await Assert.ThrowsAsync<SchemaRegistryException>(() => impatient.GetLatestAsync("slow-value"));
        Assert.Null(error.StatusCode);
        Assert.Contains("no answer within 0.3 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Basic_authentication_is_sent_and_a_rejection_names_the_status()
    {
        _server.RequiredUserInfo = "svc-personalization:s3cret";
        using var anonymous = TestServerClient();
        using var authenticated = TestServerClient(o => o.BasicAuthUserInfo = "svc-personalization:s3cret");

        var rejected = await Assert.ThrowsAsync<SchemaRegistryException>(() => anonymous.RegisterAsync("auth-value", Schema()));
        var id = await authenticated.RegisterAsync("auth-value", Schema());

        Assert.Equal((401, 40101), (rejected.StatusCode, rejected.ErrorCode));
        Assert.Contains("401", rejected.Message, StringComparison.Ordinal);
        Assert.Equal(1, id);
    }

    [Fact]
    public async Task A_bearer_token_is_sent_and_a_rejection_names_the_status()
    {
        _server.RequiredBearerToken = "eyJ0b2tlbiI6InRlc3QifQ";
        using var anonymous = TestServerClient();
        using var authenticated = TestServerClient(o => o.BearerAuthToken = "eyJ0b2tlbiI6InRlc3QifQ");

        var rejected = await Assert.ThrowsAsync<SchemaRegistryException>(() => anonymous.RegisterAsync("bearer-value", Schema()));
        var id = await authenticated.RegisterAsync("bearer-value", Schema());

        Assert.Equal(401, rejected.StatusCode);
        Assert.Equal(1, id);
    }

    [Fact]
    public void Basic_and_bearer_authentication_together_are_refused_naming_both()
    {
        var error = Assert.Throws<ArgumentException>(() => TestServerClient(o => (o.BasicAuthUserInfo, o.BearerAuthToken) = ("u:p", "token")));

        Assert.StartsWith("BasicAuthUserInfo and BearerAuthToken", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Over_https_the_registry_is_trusted_through_the_configured_certificate_authority_and_refused_without_it()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        using var serving = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
        var caFile = Path.Combine(Path.GetTempPath(), $"registry-ca-{_suffix}.pem");
        await File.WriteAllTextAsync(caFile, certificate.ExportCertificatePem());
        await using var https = await TestSchemaRegistryServer.StartAsync(serving);
        try
        {
            using var trusting = new ConfluentSchemaRegistry(new SchemaRegistryOptions { Url = https.Url, SslCaLocation = caFile, MaxRetries = 0 });
            using var untrusting = new ConfluentSchemaRegistry(new SchemaRegistryOptions { Url = https.Url, MaxRetries = 0 });

            Assert.StartsWith("https://localhost:", https.Url, StringComparison.Ordinal);
            Assert.Equal(1, await trusting.RegisterAsync("tls-value", Schema()));
            var refused = await Assert.ThrowsAsync<SchemaRegistryException>(() => untrusting.RegisterAsync("tls-value", Schema()));
            Assert.Null(refused.StatusCode);
        }
        finally
        {
            File.Delete(caFile);
        }
    }

    [Fact]
    public async Task An_unreachable_url_is_skipped_for_the_next_one_in_the_list()
    {
        var deadUrl = $"http://127.0.0.1:{Ports.Free()}";
        using var client = TestServerClient(o => o.Url = $"{deadUrl}, {_server.Url}");

        Assert.Equal(1, await client.RegisterAsync("failover-value", Schema()));
    }

    [Theory]
    [InlineData("", "Url")]
    [InlineData("schema-registry:8081", "Url")]
    [InlineData("ftp://registry", "Url")]
    public void Invalid_options_are_rejected_naming_the_option(string url, string option)
    {
        var error = Assert.Throws<ArgumentException>(() => new ConfluentSchemaRegistry(new SchemaRegistryOptions { Url = url }));
        Assert.StartsWith(option, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Basic_auth_without_a_password_separator_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new ConfluentSchemaRegistry(new SchemaRegistryOptions { Url = "http://localhost:8081", BasicAuthUserInfo = "user" }));
        Assert.StartsWith(nameof(SchemaRegistryOptions.BasicAuthUserInfo), error.Message, StringComparison.Ordinal);
    }

}
