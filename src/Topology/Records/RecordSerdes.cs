using Streams.Engine.Avro;
using Streams.Engine.SchemaRegistry;

namespace Personalization.Records;

/// <summary>Where the topology's Avro schema ids come from.</summary>
public sealed class SchemaRegistrySettings
{
    /// <summary>The Schema Registry's URL(s), comma-separated; empty means the local registry built from schemas/.</summary>
    public string? Url { get; set; }

    /// <summary>Basic authentication as <c>user:password</c>, if the registry needs it.</summary>
    public string? BasicAuthUserInfo { get; set; }

    /// <summary>How long one registry request may take before it is retried.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of a failed registry request.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>
    /// Register the worker's schemas under their subjects (true) or require them to be registered already (false,
    /// for registries where only a CI pipeline may register).
    /// </summary>
    public bool AutoRegisterSchemas { get; set; } = true;
}

/// <summary>
/// The Avro serdes of every record type, over one schema registry: a real one when a URL is configured, else the
/// local registry built from schemas/, which writes the same stable ids in every process.
/// </summary>
public sealed class RecordSerdes : IDisposable
{
    private readonly SchemaRegistryClient? _client;

    /// <summary>Creates the serdes over <paramref name="registry"/>.</summary>
    public RecordSerdes(ISchemaRegistry registry, AvroSerdeOptions? options = null)
    {
        Registry = registry;
        _client = registry as SchemaRegistryClient;
        ClickEvent = new AvroSerde<ClickEvent>(registry, options);
        Decision = new AvroSerde<Decision>(registry, options);
        Reward = new AvroSerde<Reward>(registry, options);
        TrainingRecord = new AvroSerde<TrainingRecord>(registry, options);
        UserFeatures = new AvroSerde<UserFeatures>(registry, options);
        Score = new AvroSerde<Score>(registry, options);
        AttributeUpdate = new AvroSerde<AttributeUpdate>(registry, options);
    }

    /// <summary>Serdes over the registry <paramref name="settings"/> name, or over the local registry when they name none.</summary>
    public static RecordSerdes Create(SchemaRegistrySettings settings)
    {
        if (string.IsNullOrWhiteSpace(settings.Url))
        {
            return new RecordSerdes(RecordSchemas.LocalRegistry());
        }

        var client = new SchemaRegistryClient(new SchemaRegistryOptions
        {
            Url = settings.Url,
            BasicAuthUserInfo = settings.BasicAuthUserInfo,
            RequestTimeout = settings.RequestTimeout,
            MaxRetries = settings.MaxRetries,
        });
        return new RecordSerdes(client, new AvroSerdeOptions { AutoRegisterSchemas = settings.AutoRegisterSchemas });
    }

    public ISchemaRegistry Registry { get; }

    public AvroSerde<ClickEvent> ClickEvent { get; }

    public AvroSerde<Decision> Decision { get; }

    public AvroSerde<Reward> Reward { get; }

    public AvroSerde<TrainingRecord> TrainingRecord { get; }

    public AvroSerde<UserFeatures> UserFeatures { get; }

    public AvroSerde<Score> Score { get; }

    public AvroSerde<AttributeUpdate> AttributeUpdate { get; }

    /// <summary>
    /// Gets (or registers) the schema id of every topic now, so a registry that is unreachable or refuses a schema
    /// stops start-up with a clear error instead of the first record.
    /// </summary>
    public async Task PrepareAsync(TopicOptions topics, CancellationToken cancellationToken)
    {
        await ClickEvent.PrepareAsync([topics.Clickstream], cancellationToken: cancellationToken);
        await Decision.PrepareAsync([topics.Decisions], cancellationToken: cancellationToken);
        await Reward.PrepareAsync([topics.Rewards], cancellationToken: cancellationToken);
        await UserFeatures.PrepareAsync([topics.Features], cancellationToken: cancellationToken);
        await Score.PrepareAsync([topics.FraudScores, topics.PropensityScores], cancellationToken: cancellationToken);
        await TrainingRecord.PrepareAsync([topics.Training], cancellationToken: cancellationToken);
        await AttributeUpdate.PrepareAsync([topics.Attributes], cancellationToken: cancellationToken);
    }

    public void Dispose() => _client?.Dispose();
}
