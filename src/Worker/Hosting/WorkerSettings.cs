using System.Reflection;
using Microsoft.Extensions.Configuration;
using Personalization.Topology;
using Personalization.Topology.Attributes;
using Personalization.Topology.Bandit;
using Personalization.Topology.Evaluation;
using Personalization.Topology.Experiments;
using Personalization.Topology.Scoring;
using Personalization.Topology.Triggers;
using Personalization.Worker.Queries;
using Personalization.Worker.WebConsole;
using Streams.Avro.SchemaRegistry;
using Streams.Engine;

namespace Personalization.Worker.Hosting;

/// <summary>Everything the worker reads from configuration, bound and validated once at start-up.</summary>
internal sealed class WorkerSettings
{
    public required KafkaOptions Kafka { get; init; }

    /// <summary>Section "Streams", bound straight into the engine's configuration and validated by it.</summary>
    public required StreamsConfig Streams { get; init; }

    public required TopicOptions Topics { get; init; }

    /// <summary>Partitions of each topic the worker creates (embedded default and the topics command).</summary>
    public required int Partitions { get; init; }

    public required ModelOptions Models { get; init; }

    public required PersonalizationOptions Personalization { get; init; }

    public required HttpOptions Http { get; init; }

    public required QueryOptions Queries { get; init; }

    public required DemoGeneratorOptions Generator { get; init; }

    public required ShutdownOptions Shutdown { get; init; }

    public required TracingOptions Tracing { get; init; }

    public required ConsoleOptions Console { get; init; }

    /// <summary>
    /// Section "SchemaRegistry": how to reach the registry (authentication, TLS, timeouts, retries). Its URL and basic
    /// credentials are <c>Kafka:SchemaRegistryUrl</c> and <c>Kafka:SchemaRegistryBasicAuthUserInfo</c>.
    /// </summary>
    public required SchemaRegistryOptions SchemaRegistry { get; init; }

    /// <summary>
    /// <c>SchemaRegistry:AutoRegisterSchemas</c>: register the worker's schemas under their subjects (true) or require
    /// them to be registered already (false, for registries where only a CI pipeline may register).
    /// </summary>
    public required bool AutoRegisterSchemas { get; init; }

    /// <summary>Binds every section; a value that does not convert or validate fails with its key named.</summary>
    public static WorkerSettings Load(IConfiguration configuration, string contentRoot)
    {
        var settings = new WorkerSettings
        {
            Kafka = Bind<KafkaOptions>(configuration, "Kafka"),
            Streams = BindStreams(configuration),
            Topics = Bind<TopicOptions>(configuration, "Topics", "Partitions"),
            Partitions = Bind(configuration, "Topics:Partitions", 4),
            Models = Bind<ModelOptions>(configuration, "Models"),
            Personalization = new PersonalizationOptions
            {
                Scoring = Bind<ScoringOptions>(configuration, "Scoring"),
                Attributes = Bind<AttributeOptions>(configuration, "Attributes"),
                RewardJoin = Bind<RewardJoinOptions>(configuration, "RewardJoin"),
                Triggers = Bind<TriggerOptions>(configuration, "Triggers"),
                Evaluation = Bind<EvaluationOptions>(configuration, "Evaluation"),
                Experiments = Bind<ExperimentOptions>(configuration, "Experiments"),
            },
            Http = Bind<HttpOptions>(configuration, "Http"),
            Queries = Bind<QueryOptions>(configuration, "Queries"),
            Generator = Bind<DemoGeneratorOptions>(configuration, "Generator"),
            Shutdown = Bind<ShutdownOptions>(configuration, "Shutdown"),
            Tracing = Bind<TracingOptions>(configuration, "Tracing"),
            Console = Bind<ConsoleOptions>(configuration, "Console"),
            SchemaRegistry = Bind<SchemaRegistryOptions>(configuration, "SchemaRegistry", "AutoRegisterSchemas", "Url", "BasicAuthUserInfo"),
            AutoRegisterSchemas = Bind(configuration, "SchemaRegistry:AutoRegisterSchemas", true),
        };
        foreach (var key in new[] { "Url", "BasicAuthUserInfo" })
        {
            if (configuration[$"SchemaRegistry:{key}"] is not null)
            {
                throw new WorkerConfigurationException($"SchemaRegistry:{key}", $"is set as Kafka:SchemaRegistry{key}.");
            }
        }

        settings.SchemaRegistry.Url = settings.Kafka.SchemaRegistryUrl ?? "";
        settings.SchemaRegistry.BasicAuthUserInfo = settings.Kafka.SchemaRegistryBasicAuthUserInfo;
        settings.Personalization.Topics = settings.Topics;
        settings.Models.Directory = Path.GetFullPath(settings.Models.Directory, contentRoot);
        settings.Streams.StateDir = Path.GetFullPath(settings.Streams.StateDir, contentRoot);
        if (string.IsNullOrWhiteSpace(settings.Streams.GroupInstanceId))
        {
            // The StatefulSet gives each pod a stable name: static membership without per-pod configuration.
            settings.Streams.GroupInstanceId = Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod ? pod : null;
        }

        settings.Validate();
        return settings;
    }

    /// <summary>The engine's configuration for the cluster at <paramref name="bootstrapServers"/>.</summary>
    public StreamsConfig ToStreamsConfig(string bootstrapServers) => Streams.ForCluster(bootstrapServers, Topics.DeadLetters, Kafka.Client);

    private void Validate()
    {
        try
        {
            Streams.Validate();
        }
        catch (ArgumentException e)
        {
            throw new WorkerConfigurationException($"Streams:{e.ParamName}", e.Message.Split(" (Parameter", 2)[0], e);
        }

        Check("Topics:Partitions", Partitions is >= 1 and <= 10_000, $"must be between 1 and 10000 but is {Partitions}.");
        Check("Http:Port", Http.Port is > 0 and <= 65535, $"must be a TCP port but is {Http.Port}.");
        Check("Queries:Port", Queries.Port is >= 0 and <= 65535, $"must be a TCP port, or 0 to share Http:Port, but is {Queries.Port}.");
        Check("Queries:ForwardTimeout", Queries.ForwardTimeout > TimeSpan.Zero && Queries.ForwardTimeout <= TimeSpan.FromSeconds(30),
            $"must be more than 0 and at most 30 seconds but is {Queries.ForwardTimeout}.");
        Check("Queries:HistoryScanRecords", Queries.HistoryScanRecords is >= 1 and <= 10_000_000,
            $"must be between 1 and 10000000 but is {Queries.HistoryScanRecords}.");
        Check("Queries:HistoryTimeout", Queries.HistoryTimeout > TimeSpan.Zero && Queries.HistoryTimeout <= TimeSpan.FromMinutes(1),
            $"must be more than 0 and at most a minute but is {Queries.HistoryTimeout}.");
        Check("Queries:HistoryMaxLimit", Queries.HistoryMaxLimit is >= 1 and <= 10_000, $"must be between 1 and 10000 but is {Queries.HistoryMaxLimit}.");
        Check("Queries:MaxBatchSize", Queries.MaxBatchSize is >= 1 and <= 1000, $"must be between 1 and 1000 but is {Queries.MaxBatchSize}.");
        Check("Streams:ApplicationServer", Queries.Enabled || Streams.ApplicationServer is null,
            "advertises a query endpoint, but Queries:Enabled is false: unset it, or enable the queries.");
        Check("Generator:Rate", Generator.Rate > 0, $"must be more than 0 records per second but is {Generator.Rate}.");
        Check("Generator:Users", Generator.Users >= 1, $"must be at least 1 but is {Generator.Users}.");
        Check("Generator:CatalogChangesPerMinute", Generator.CatalogChangesPerMinute >= 0, $"must not be negative but is {Generator.CatalogChangesPerMinute}.");
        Check("Shutdown:GracePeriod", Shutdown.GracePeriod > TimeSpan.Zero, $"must be positive but is {Shutdown.GracePeriod}.");
        Check("Tracing:SampleRatio", Tracing.SampleRatio is >= 0 and <= 1, $"must be between 0 and 1 but is {Tracing.SampleRatio}.");
        Check("Kafka:SchemaRegistryBasicAuthUserInfo",
            string.IsNullOrEmpty(Kafka.SchemaRegistryBasicAuthUserInfo) || Kafka.SchemaRegistryBasicAuthUserInfo.Contains(':', StringComparison.Ordinal),
            "must be user:password.");
        foreach (var topic in TopicCatalog.All)
        {
            var name = topic.NameIn(Topics);
            Check($"Topics:{topic.Option}", !string.IsNullOrWhiteSpace(name) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'),
                $"must be a Kafka topic name (letters, digits, '.', '_', '-') but is '{name}'.");
        }

        if (!string.IsNullOrWhiteSpace(SchemaRegistry.Url))
        {
            // The registry's options check its URL; the URL is set as Kafka:SchemaRegistryUrl, so errors name that key.
            Section("SchemaRegistry", SchemaRegistry.Validate, new Dictionary<string, string> { ["Url"] = "Kafka:SchemaRegistryUrl" });
        }

        Section("Models", Models.Validate);
        Section("Scoring", Personalization.Scoring.Validate);
        Section("Attributes", Personalization.Attributes.Validate);
        Section("RewardJoin", Personalization.RewardJoin.Validate);
        Section("Triggers", Personalization.Triggers.Validate);
        Section("Evaluation", Personalization.Evaluation.Validate);
        Section("Experiments", Personalization.Experiments.Validate);
    }

    private static void Check(string key, bool valid, string problem)
    {
        if (!valid)
        {
            throw new WorkerConfigurationException(key, problem);
        }
    }

    /// <summary>Runs an options class's own validation, which names the property, and prefixes the section.</summary>
    private static void Section(string section, Action validate, IReadOnlyDictionary<string, string>? keysSetElsewhere = null)
    {
        try
        {
            validate();
        }
        catch (ArgumentException e)
        {
            var property = e.Message.Split(' ', 2)[0];
            var key = keysSetElsewhere?.GetValueOrDefault(property) ?? $"{section}:{property}";
            throw new WorkerConfigurationException(key, e.Message[(property.Length + 1)..], e);
        }
    }

    /// <summary>
    /// The "Streams" section into the engine's own configuration, with the worker's defaults. The cluster, the
    /// dead-letter topic and client settings have their keys elsewhere (Kafka, Topics), so they are refused here.
    /// </summary>
    private static StreamsConfig BindStreams(IConfiguration configuration)
    {
        foreach (var (key, home) in new[] { ("BootstrapServers", "Kafka:BootstrapServers"), ("DeadLetterTopic", "Topics:DeadLetters"), ("ClientConfig", "Kafka:Client") })
        {
            if (configuration.GetSection($"Streams:{key}").Exists())
            {
                throw new WorkerConfigurationException($"Streams:{key}", $"is set as {home}.");
            }
        }

        return BindInto(configuration, "Streams", new StreamsConfig { ApplicationId = "personalization", StateDir = "state" });
    }

    private static T Bind<T>(IConfiguration configuration, string section, params string[] alsoKnown) where T : notnull, new() =>
        BindInto(configuration, section, new T(), alsoKnown);

    private static T BindInto<T>(IConfiguration configuration, string section, T options, params string[] alsoKnown) where T : notnull
    {
        var sectionConfiguration = configuration.GetSection(section);
        RejectUnknownKeys(sectionConfiguration, typeof(T), alsoKnown);
        try
        {
            sectionConfiguration.Bind(options);
        }
        catch (InvalidOperationException e)
        {
            // A value the setting's type refuses explains itself in the inner exception (e.g. the spellings it takes).
            var problem = e.InnerException is FormatException or ArgumentException ? $"{e.Message} {e.InnerException.Message}" : e.Message;
            throw new WorkerConfigurationException(KeyIn(e.Message) ?? section, problem, e);
        }

        return options;
    }

    /// <summary>
    /// A key under one of the worker's sections that no setting has is a typo (<c>Streams__NumThread</c>) that would
    /// otherwise be ignored without a word: it stops start-up, naming the key and the keys the section has.
    /// </summary>
    private static void RejectUnknownKeys(IConfigurationSection section, Type type, IReadOnlyCollection<string> alsoKnown)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToList();
        foreach (var child in section.GetChildren())
        {
            if (alsoKnown.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var property = properties.FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                var known = string.Join(", ", properties.Select(p => p.Name).Concat(alsoKnown).Order(StringComparer.Ordinal));
                throw new WorkerConfigurationException(child.Path, $"is not a setting of the worker; '{section.Path}' has {known}.");
            }

            if (IsOptionsClass(property.PropertyType))
            {
                RejectUnknownKeys(child, property.PropertyType, []);
            }
        }
    }

    /// <summary>A nested settings object, as opposed to a value, a collection or a map of free keys (Kafka:Client).</summary>
    private static bool IsOptionsClass(Type type) =>
        type.IsClass && type != typeof(string) && !typeof(System.Collections.IEnumerable).IsAssignableFrom(type);

    private static T Bind<T>(IConfiguration configuration, string key, T fallback)
    {
        try
        {
            return configuration.GetValue(key, fallback)!;
        }
        catch (InvalidOperationException e)
        {
            throw new WorkerConfigurationException(key, e.Message, e);
        }
    }

    /// <summary>The binder names the failing key as "... at 'Section:Key' ...".</summary>
    private static string? KeyIn(string message)
    {
        var start = message.IndexOf(" at '", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        var end = message.IndexOf('\'', start + 5);
        return end > start ? message[(start + 5)..end] : null;
    }
}
