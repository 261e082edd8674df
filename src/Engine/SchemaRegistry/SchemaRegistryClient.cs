using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Streams.Engine.SchemaRegistry;

/// <summary>Where the schema registry is and how to talk to it.</summary>
public sealed class SchemaRegistryOptions
{
    /// <summary>The registry's base URL; several may be given, comma-separated, and are tried in turn.</summary>
    public string Url { get; set; } = "";

    /// <summary>Basic authentication as <c>user:password</c>; none if empty.</summary>
    public string? BasicAuthUserInfo { get; set; }

    /// <summary>How long one HTTP request may take before it counts as failed and is retried.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after a failed attempt (no response, a timeout, HTTP 429 or 5xx); 4xx answers are not retried.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The wait before the first retry; it doubles per retry, up to <see cref="MaxRetryBackoff"/>, with jitter.</summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest wait between retries.</summary>
    public TimeSpan MaxRetryBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Checks the options; the message names the offending property.</summary>
    public void Validate()
    {
        var urls = Url.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (urls.Length == 0)
        {
            throw new ArgumentException($"{nameof(Url)} must name the schema registry, e.g. http://schema-registry:8081.");
        }

        foreach (var url in urls)
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
}

/// <summary>
/// A client for Confluent Schema Registry's REST API (the subset serdes need). Ids and schemas never change once
/// registered, so each is fetched once and cached; concurrent requests for the same one share a single HTTP call.
/// Failed attempts (no answer, timeout, 429, 5xx) are retried with backoff across the configured URLs; errors name
/// the subject or id and the HTTP status.
/// </summary>
public sealed class SchemaRegistryClient : ISchemaRegistry, IDisposable
{
    private const string ContentType = "application/vnd.schemaregistry.v1+json";

    private readonly SchemaRegistryOptions _options;
    private readonly HttpClient _http;
    private readonly Uri[] _urls;
    private readonly ConcurrentDictionary<int, Lazy<Task<string>>> _schemasById = new();
    private readonly ConcurrentDictionary<SchemaUnderSubject, Lazy<Task<int>>> _ids = new();
    private int _preferredUrl;

    /// <summary>Creates a client; <paramref name="handler"/> replaces the default HTTP handler (for proxies or custom TLS).</summary>
    public SchemaRegistryClient(SchemaRegistryOptions options, HttpMessageHandler? handler = null)
    {
        options.Validate();
        _options = options;
        _urls = options.Url.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(url => new Uri(url.EndsWith('/') ? url : url + "/"))
            .ToArray();
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.Timeout = Timeout.InfiniteTimeSpan;
        _http.DefaultRequestHeaders.Accept.ParseAdd("application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; q=0.9, application/json; q=0.5");
        if (options.BasicAuthUserInfo is { Length: > 0 } userInfo)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(userInfo)));
        }
    }

    public Task<int> RegisterAsync(string subject, string schema, CancellationToken cancellationToken = default) =>
        CachedAsync(_ids, new SchemaUnderSubject(subject, schema, Register: true), async key =>
        {
            var response = await SendAsync(HttpMethod.Post, $"subjects/{Escape(key.Subject)}/versions", SchemaBody(key.Schema), key.Subject);
            var id = RequiredInt(response, "id", key.Subject);
            _schemasById.TryAdd(id, new Lazy<Task<string>>(Task.FromResult(key.Schema)));
            return id;
        }, cancellationToken);

    public Task<int> GetIdAsync(string subject, string schema, CancellationToken cancellationToken = default) =>
        CachedAsync(_ids, new SchemaUnderSubject(subject, schema, Register: false), async key =>
        {
            var response = await SendAsync(HttpMethod.Post, $"subjects/{Escape(key.Subject)}", SchemaBody(key.Schema), key.Subject);
            var id = RequiredInt(response, "id", key.Subject);
            _schemasById.TryAdd(id, new Lazy<Task<string>>(Task.FromResult(key.Schema)));
            return id;
        }, cancellationToken);

    public Task<string> GetSchemaAsync(int id, CancellationToken cancellationToken = default) =>
        CachedAsync(_schemasById, id, async key =>
        {
            var response = await SendAsync(HttpMethod.Get, $"schemas/ids/{key}", null, subject: null, schemaId: key);
            return response["schema"]?.GetValue<string>()
                ?? throw new SchemaRegistryException($"The schema registry's answer for schema id {key} has no 'schema'.", null, 200, null);
        }, cancellationToken);

    public async Task<RegisteredSchema> GetLatestAsync(string subject, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Get, $"subjects/{Escape(subject)}/versions/latest", null, subject).WaitAsync(cancellationToken);
        var schema = response["schema"]?.GetValue<string>()
            ?? throw new SchemaRegistryException($"The schema registry's answer for subject '{subject}' has no 'schema'.", subject, 200, null);
        var registered = new RegisteredSchema(subject, RequiredInt(response, "version", subject), RequiredInt(response, "id", subject), schema);
        _schemasById.TryAdd(registered.Id, new Lazy<Task<string>>(Task.FromResult(schema)));
        return registered;
    }

    public async Task<CompatibilityResult> CheckCompatibilityAsync(string subject, string schema, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await SendAsync(HttpMethod.Post, $"compatibility/subjects/{Escape(subject)}/versions/latest?verbose=true", SchemaBody(schema), subject)
                .WaitAsync(cancellationToken);
            var compatible = response["is_compatible"]?.GetValue<bool>()
                ?? throw new SchemaRegistryException($"The schema registry's compatibility answer for subject '{subject}' has no 'is_compatible'.", subject, 200, null);
            var messages = response["messages"] is JsonArray array ? array.Select(m => m?.ToString() ?? "").ToArray() : [];
            return new CompatibilityResult(compatible, messages);
        }
        catch (SchemaRegistryException e) when (e.IsNotFound && e.ErrorCode is 40401 or 40402)
        {
            return new CompatibilityResult(true, [$"Subject '{subject}' has no versions yet."]);
        }
    }

    public void Dispose() => _http.Dispose();

    private static string Escape(string subject) => Uri.EscapeDataString(subject);

    private static JsonObject SchemaBody(string schema) => new() { ["schema"] = schema };

    private static int RequiredInt(JsonObject response, string property, string subject) =>
        response[property]?.GetValue<int>()
        ?? throw new SchemaRegistryException($"The schema registry's answer for subject '{subject}' has no '{property}'.", subject, 200, null);

    /// <summary>Shares one fetch per key among concurrent callers; a failed fetch is forgotten so the next call retries.</summary>
    private static async Task<TValue> CachedAsync<TKey, TValue>(
        ConcurrentDictionary<TKey, Lazy<Task<TValue>>> cache, TKey key, Func<TKey, Task<TValue>> fetch, CancellationToken cancellationToken)
        where TKey : notnull
    {
        var entry = cache.GetOrAdd(key, k => new Lazy<Task<TValue>>(() => fetch(k)));
        try
        {
            return await entry.Value.WaitAsync(cancellationToken);
        }
        catch when (entry.Value.IsFaulted)
        {
            cache.TryRemove(new KeyValuePair<TKey, Lazy<Task<TValue>>>(key, entry));
            throw;
        }
    }

    /// <summary>Sends one request with retries; deliberately not cancellable by one caller, since cached fetches are shared.</summary>
    private async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonObject? body, string? subject, int? schemaId = null)
    {
        var about = subject is not null ? $"subject '{subject}'" : $"schema id {schemaId}";
        var attempts = _options.MaxRetries + 1;
        string lastProblem = "";
        int? lastStatus = null;
        int? lastErrorCode = null;
        Exception? lastException = null;
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            if (attempt > 0)
            {
                await Task.Delay(Backoff(attempt));
            }

            var urlIndex = Volatile.Read(ref _preferredUrl);
            var url = new Uri(_urls[urlIndex % _urls.Length], path);
            using var request = new HttpRequestMessage(method, url);
            if (body is not null)
            {
                request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
            }

            using var timeout = new CancellationTokenSource(_options.RequestTimeout);
            try
            {
                using var response = await _http.SendAsync(request, timeout.Token);
                var text = await response.Content.ReadAsStringAsync(timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    return ParseObject(text, about, (int)response.StatusCode);
                }

                var (errorCode, message) = ParseError(text);
                var status = (int)response.StatusCode;
                var problem = $"{status} {response.StatusCode}{(errorCode is null ? "" : $" (error {errorCode})")}: {message}";
                if (status < 500 && response.StatusCode != HttpStatusCode.TooManyRequests)
                {
                    throw new SchemaRegistryException(
                        $"Schema registry {url.GetLeftPart(UriPartial.Authority)} answered {method} /{path} for {about} with {problem}", subject, status, errorCode);
                }

                (lastProblem, lastStatus, lastErrorCode, lastException) = (problem, status, errorCode, null);
            }
            catch (HttpRequestException e)
            {
                (lastProblem, lastStatus, lastErrorCode, lastException) = (e.Message, null, null, e);
            }
            catch (OperationCanceledException e) when (timeout.IsCancellationRequested)
            {
                (lastProblem, lastStatus, lastErrorCode, lastException) = ($"no answer within {_options.RequestTimeout.TotalSeconds:0.###} s", null, null, e);
            }

            Interlocked.CompareExchange(ref _preferredUrl, urlIndex + 1, urlIndex);
        }

        throw new SchemaRegistryException(
            $"Schema registry request {method} /{path} for {about} failed after {attempts} attempt(s); last: {lastProblem}", subject, lastStatus, lastErrorCode, lastException);
    }

    private TimeSpan Backoff(int retry)
    {
        var exponential = _options.RetryBackoff.TotalMilliseconds * Math.Pow(2, retry - 1);
        var capped = Math.Min(exponential, _options.MaxRetryBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + Random.Shared.NextDouble() / 2));
    }

    private static JsonObject ParseObject(string text, string about, int status)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject
                ?? throw new SchemaRegistryException($"The schema registry's answer for {about} is not a JSON object: {Truncate(text)}", null, status, null);
        }
        catch (JsonException e)
        {
            throw new SchemaRegistryException($"The schema registry's answer for {about} is not JSON: {Truncate(text)}", null, status, null, e);
        }
    }

    private static (int? ErrorCode, string Message) ParseError(string text)
    {
        try
        {
            if (JsonNode.Parse(text) is JsonObject error)
            {
                return (error["error_code"]?.GetValue<int>(), error["message"]?.GetValue<string>() ?? Truncate(text));
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            // Not Confluent's error body (a proxy's HTML page, for instance): report the text itself.
        }

        return (null, Truncate(text));
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";

    private readonly record struct SchemaUnderSubject(string Subject, string Schema, bool Register);
}
