using Streams.Avro;
using Streams.Avro.SchemaRegistry;

namespace Personalization.Topology.Records;

/// <summary>
/// The Avro serdes of every record type, over one schema registry: a real one when a URL is configured, else the
/// local registry built from schemas/, which writes the same stable ids in every process.
/// </summary>
public sealed class RecordSerdes : IDisposable
{
    private readonly IDisposable? _ownedRegistry;

    /// <summary>Creates the serdes over <paramref name="registry"/>.</summary>
    public RecordSerdes(ISchemaRegistry registry, AvroSerdeOptions? options = null)
        : this(registry, options, ownedRegistry: null)
    {
    }

    private RecordSerdes(ISchemaRegistry registry, AvroSerdeOptions? options, IDisposable? ownedRegistry)
    {
        Registry = registry;
        _ownedRegistry = ownedRegistry;
        ClickEvent = new AvroSerde<ClickEvent>(registry, options);
        Decision = new AvroSerde<Decision>(registry, options);
        Reward = new AvroSerde<Reward>(registry, options);
        TrainingRecord = new AvroSerde<TrainingRecord>(registry, options);
        UserFeatures = new AvroSerde<UserFeatures>(registry, options);
        Score = new AvroSerde<Score>(registry, options);
        AttributeUpdate = new AvroSerde<AttributeUpdate>(registry, options);
        ItemUpdate = new AvroSerde<ItemUpdate>(registry, options);
        Trigger = new AvroSerde<Trigger>(registry, options);
        PolicyEvaluation = new AvroSerde<PolicyEvaluation>(registry, options);
    }

    /// <summary>
    /// Serdes over the registry <paramref name="options"/> name (owned and disposed with the serdes), or over the local
    /// registry when they name none. <paramref name="autoRegisterSchemas"/> false requires the schemas to be registered
    /// already, for registries where only a CI pipeline may register.
    /// </summary>
    public static RecordSerdes Create(SchemaRegistryOptions options, bool autoRegisterSchemas = true)
    {
        if (string.IsNullOrWhiteSpace(options.Url))
        {
            return new RecordSerdes(RecordSchemas.LocalRegistry());
        }

        var registry = new ConfluentSchemaRegistry(options);
        return new RecordSerdes(registry, new AvroSerdeOptions { AutoRegisterSchemas = autoRegisterSchemas }, registry);
    }

    public ISchemaRegistry Registry { get; }

    public AvroSerde<ClickEvent> ClickEvent { get; }

    public AvroSerde<Decision> Decision { get; }

    public AvroSerde<Reward> Reward { get; }

    public AvroSerde<TrainingRecord> TrainingRecord { get; }

    public AvroSerde<UserFeatures> UserFeatures { get; }

    public AvroSerde<Score> Score { get; }

    public AvroSerde<AttributeUpdate> AttributeUpdate { get; }

    public AvroSerde<ItemUpdate> ItemUpdate { get; }

    public AvroSerde<Trigger> Trigger { get; }

    public AvroSerde<PolicyEvaluation> PolicyEvaluation { get; }

    /// <summary>
    /// Gets (or registers) the schema id of every topic now, so a registry that is unreachable or refuses a schema
    /// stops start-up with a clear error instead of the first record.
    /// </summary>
    public async Task PrepareAsync(TopicOptions topics, CancellationToken cancellationToken)
    {
        var preparers = Preparers();
        foreach (var topicsOfOneType in topics.ValueSchemas().GroupBy(t => t.Schema.Fullname, t => t.Topic))
        {
            var serde = preparers.GetValueOrDefault(topicsOfOneType.Key)
                ?? throw new InvalidOperationException($"No serde writes {topicsOfOneType.Key}, the values of {string.Join(", ", topicsOfOneType)}.");
            await serde(topicsOfOneType, cancellationToken);
        }
    }

    public void Dispose() => _ownedRegistry?.Dispose();

    private Dictionary<string, Func<IEnumerable<string>, CancellationToken, Task>> Preparers() => new()
    {
        [Records.ClickEvent.Schema.Fullname] = (topics, ct) => ClickEvent.PrepareAsync(topics, cancellationToken: ct),
        [Records.Decision.Schema.Fullname] = (topics, ct) => Decision.PrepareAsync(topics, cancellationToken: ct),
        [Records.Reward.Schema.Fullname] = (topics, ct) => Reward.PrepareAsync(topics, cancellationToken: ct),
        [Records.TrainingRecord.Schema.Fullname] = (topics, ct) => TrainingRecord.PrepareAsync(topics, cancellationToken: ct),
        [Records.UserFeatures.Schema.Fullname] = (topics, ct) => UserFeatures.PrepareAsync(topics, cancellationToken: ct),
        [Records.Score.Schema.Fullname] = (topics, ct) => Score.PrepareAsync(topics, cancellationToken: ct),
        [Records.AttributeUpdate.Schema.Fullname] = (topics, ct) => AttributeUpdate.PrepareAsync(topics, cancellationToken: ct),
        [Records.ItemUpdate.Schema.Fullname] = (topics, ct) => ItemUpdate.PrepareAsync(topics, cancellationToken: ct),
        [Records.Trigger.Schema.Fullname] = (topics, ct) => Trigger.PrepareAsync(topics, cancellationToken: ct),
        [Records.PolicyEvaluation.Schema.Fullname] = (topics, ct) => PolicyEvaluation.PrepareAsync(topics, cancellationToken: ct),
    };
}
