using System.Collections.Concurrent;
using Csr = Confluent.SchemaRegistry;

namespace Streams.Avro.SchemaRegistry;

/// <summary>
/// A Confluent Schema Registry (or one that speaks its REST API) through Confluent's own client, which brings caching,
/// several URLs, basic and bearer authentication, TLS and retries. This adapter adds what the worker needs on top:
/// concurrent first requests for one schema share a single call, a failed one is forgotten so the next call retries,
/// errors name the subject or id and the HTTP status, and an incompatible schema comes with the reasons.
/// </summary>
public sealed class ConfluentSchemaRegistry : ISchemaRegistry, IDisposable
{
    private readonly Csr.CachedSchemaRegistryClient _client;
    private readonly SchemaRegistryOptions _options;
    private readonly ConcurrentDictionary<SchemaUnderSubject, Lazy<Task<int>>> _ids = new();
    private readonly ConcurrentDictionary<int, Lazy<Task<string>>> _schemas = new();

    /// <summary>Creates the client; <paramref name="options"/> are validated first.</summary>
    public ConfluentSchemaRegistry(SchemaRegistryOptions options)
    {
        options.Validate();
        _options = options;
        _client = new Csr.CachedSchemaRegistryClient(options.ToConfluentConfig(), options.PlainBearerToken());
    }

    public Task<int> RegisterAsync(string subject, string schema, CancellationToken cancellationToken = default) =>
        Shared(_ids, new SchemaUnderSubject(subject, schema, Register: true), async key => Known(key.Schema, await Call(
            () => _client.RegisterSchemaAsync(key.Subject, new Csr.Schema(key.Schema, Csr.SchemaType.Avro)), $"register a schema under subject '{key.Subject}'", key.Subject)),
            cancellationToken);

    public Task<int> GetIdAsync(string subject, string schema, CancellationToken cancellationToken = default) =>
        Shared(_ids, new SchemaUnderSubject(subject, schema, Register: false), async key => Known(key.Schema, await Call(
            () => _client.GetSchemaIdAsync(key.Subject, new Csr.Schema(key.Schema, Csr.SchemaType.Avro)), $"look up a schema under subject '{key.Subject}'", key.Subject)),
            cancellationToken);

    public Task<string> GetSchemaAsync(int id, CancellationToken cancellationToken = default) =>
        Shared(_schemas, id, key => Call(
            async () => (await _client.GetSchemaAsync(key)).SchemaString, $"fetch schema id {key}", subject: null),
            cancellationToken);

    public async Task<RegisteredSchema> GetLatestAsync(string subject, CancellationToken cancellationToken = default)
    {
        var latest = await Call(() => _client.GetLatestSchemaAsync(subject), $"fetch the latest version of subject '{subject}'", subject)
            .WaitAsync(cancellationToken);
        return new RegisteredSchema(subject, latest.Version, latest.Id, latest.SchemaString);
    }

    public async Task<CompatibilityResult> CheckCompatibilityAsync(string subject, string schema, CancellationToken cancellationToken = default)
    {
        RegisteredSchema latest;
        try
        {
            latest = await GetLatestAsync(subject, cancellationToken);
        }
        catch (SchemaRegistryException e) when (e.IsNotFound)
        {
            return new CompatibilityResult(true, [$"Subject '{subject}' has no versions yet."]);
        }

        var compatible = await Call(
            () => _client.IsCompatibleAsync(subject, new Csr.Schema(schema, Csr.SchemaType.Avro)), $"check compatibility with subject '{subject}'", subject)
            .WaitAsync(cancellationToken);
        if (compatible)
        {
            return new CompatibilityResult(true, []);
        }

        // The client reports only a yes or no; the reasons come from the same rules applied here to the latest version,
        // and the registry's verdict stands even where its rule (say FULL) is stricter than the one explained.
        var problems = AvroCompatibility.BackwardProblems(
            global::Avro.Schema.Parse(schema), [($"version {latest.Version} (id {latest.Id})", global::Avro.Schema.Parse(latest.Schema))]);
        return new CompatibilityResult(false, problems.Count > 0 ? problems : [$"The registry's compatibility rule for subject '{subject}' rejects it."]);
    }

    public void Dispose() => _client.Dispose();

    private static async Task<TValue> Shared<TKey, TValue>(
        ConcurrentDictionary<TKey, Lazy<Task<TValue>>> calls, TKey key, Func<TKey, Task<TValue>> call, CancellationToken cancellationToken)
        where TKey : notnull
    {
        var entry = calls.GetOrAdd(key, k => new Lazy<Task<TValue>>(() => call(k)));
        try
        {
            return await entry.Value.WaitAsync(cancellationToken);
        }
        catch when (entry.Value.IsFaulted)
        {
            calls.TryRemove(new KeyValuePair<TKey, Lazy<Task<TValue>>>(key, entry));
            throw;
        }
    }

    /// <summary>A schema whose id was just learnt needs no request when a reader asks for that id.</summary>
    private int Known(string schema, int id)
    {
        _schemas.TryAdd(id, new Lazy<Task<string>>(Task.FromResult(schema)));
        return id;
    }

    private async Task<T> Call<T>(Func<Task<T>> request, string what, string? subject)
    {
        try
        {
            return await request();
        }
        catch (Csr.SchemaRegistryException e)
        {
            var status = (int)e.Status;
            var attempts = status is 408 or 429 or >= 500 ? $" after {_options.MaxRetries + 1} attempt(s)" : "";
            throw new SchemaRegistryException(
                $"The schema registry answered a request to {what} with {status} {e.Status} (error {e.ErrorCode}){attempts}: {e.Message}",
                subject, status, e.ErrorCode, e);
        }
        catch (HttpRequestException e)
        {
            var problem = e.InnerException is TaskCanceledException or TimeoutException
                ? $"no answer within {_options.RequestTimeout.TotalSeconds:0.###} s"
                : "no answer";
            throw new SchemaRegistryException($"Could not {what}: {problem} from {_options.Url} ({e.Message})", subject, null, null, e);
        }
    }

    private readonly record struct SchemaUnderSubject(string Subject, string Schema, bool Register);
}
