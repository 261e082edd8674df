namespace Streams.Avro.SchemaRegistry;

/// <summary>
/// What an Avro serde needs of a schema registry: ids for schemas under a subject, schemas by id, a subject's latest
/// version, and compatibility checks. <see cref="ConfluentSchemaRegistry"/> speaks Confluent's REST API;
/// <see cref="LocalSchemaRegistry"/> serves a fixed catalog without a server.
/// </summary>
/// <remarks>Implementations are thread-safe and cache what cannot change (an id's schema, a schema's id).</remarks>
public interface ISchemaRegistry
{
    /// <summary>Registers <paramref name="schema"/> under <paramref name="subject"/> (a no-op if it is there) and returns its id.</summary>
    Task<int> RegisterAsync(string subject, string schema, CancellationToken cancellationToken = default);

    /// <summary>The id of <paramref name="schema"/> if it is registered under <paramref name="subject"/>; fails with a not-found error otherwise.</summary>
    Task<int> GetIdAsync(string subject, string schema, CancellationToken cancellationToken = default);

    /// <summary>The schema with id <paramref name="id"/>; fails with a not-found error if there is none.</summary>
    Task<string> GetSchemaAsync(int id, CancellationToken cancellationToken = default);

    /// <summary>The latest version registered under <paramref name="subject"/>.</summary>
    Task<RegisteredSchema> GetLatestAsync(string subject, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether <paramref name="schema"/> could be registered as the next version of <paramref name="subject"/> under
    /// the subject's compatibility rule. A subject with no versions accepts anything.
    /// </summary>
    Task<CompatibilityResult> CheckCompatibilityAsync(string subject, string schema, CancellationToken cancellationToken = default);
}
