using Avro;
using Personalization.Topology.Records;
using Streams.Avro.SchemaRegistry;

namespace Personalization.Topology.Tests.Records;

/// <summary>
/// The build's guard on schemas/: every .avsc file must be its latest version in schemas/registry.json, and a change is
/// only recordable when the new schema reads data written with every earlier version. With SCHEMA_REGISTRY_URL set,
/// each topic's schema must also be compatible with what that registry holds.
/// </summary>
public sealed class SchemaReleaseTests
{
    [Fact]
    public void Every_schema_in_schemas_is_its_latest_recorded_version()
    {
        var check = RecordSchemas.Catalog.Check(RecordSchemas.Current);

        Assert.True(check.UpToDate,
            "schemas/ and schemas/registry.json disagree; run `dotnet run --project src/Worker -- schemas record` for compatible changes.\n"
            + string.Join("\n", check.Breaking.Select(p => "breaking: " + p).Concat(check.Unreleased.Select(p => "not recorded: " + p))));
    }

    [Fact]
    public void Every_recorded_version_is_readable_by_the_current_schema_and_ids_are_unique()
    {
        foreach (var file in RecordSchemas.Current)
        {
            var versions = RecordSchemas.Catalog.Versions(file.Name);
            Assert.NotEmpty(versions);
            Assert.Equal(Enumerable.Range(1, versions.Count), versions.Select(v => v.Version));
            Assert.Empty(Streams.Avro.AvroCompatibility.BackwardProblems(file.Schema, versions.Select(v => ($"version {v.Version}", v.Parsed))));
        }

        Assert.Equal(RecordSchemas.Catalog.Entries.Count, RecordSchemas.Catalog.Entries.Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public void A_new_required_field_is_reported_as_breaking_and_cannot_be_recorded()
    {
        var changed = WithClickEvent(ClickEvent.Schema.ToString().Replace(
            """{"name":"country""", """{"name":"referrer","type":"string"},{"name":"country""", StringComparison.Ordinal));

        var check = RecordSchemas.Catalog.Check(changed);

        var problem = Assert.Single(check.Breaking);
        Assert.Contains("ClickEvent.referrer", problem, StringComparison.Ordinal);
        Assert.Contains("version 1 (id 2)", problem, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => RecordSchemas.Catalog.Record(changed));
    }

    [Fact]
    public void A_removed_enum_symbol_is_breaking()
    {
        var changed = WithClickEvent(ClickEvent.Schema.ToString().Replace("\"AD_CLICK\"", "", StringComparison.Ordinal).Replace(",]", "]", StringComparison.Ordinal));

        Assert.Contains(RecordSchemas.Catalog.Check(changed).Breaking, p => p.Contains("AD_CLICK", StringComparison.Ordinal));
    }

    [Fact]
    public void A_compatible_change_is_recorded_as_the_next_version_under_a_new_id_and_old_ids_stay()
    {
        var changed = WithClickEvent(ClickEvent.Schema.ToString().Replace(
            """{"name":"country""", """{"name":"referrer","type":["null","string"],"default":null},{"name":"country""", StringComparison.Ordinal));

        var check = RecordSchemas.Catalog.Check(changed);
        var recorded = RecordSchemas.Catalog.Record(changed);
        var reloaded = SchemaCatalog.Parse(recorded.ToJson());

        Assert.Empty(check.Breaking);
        Assert.Single(check.Unreleased);
        var versions = reloaded.Versions(ClickEvent.Schema.Fullname);
        Assert.Equal([1, 2], versions.Select(v => v.Version));
        Assert.Equal(2, versions[0].Id);
        Assert.Equal(RecordSchemas.Catalog.Entries.Max(e => e.Id) + 1, versions[1].Id);
        Assert.True(reloaded.Check(changed).UpToDate);
    }

    [ExternalSchemaRegistryFact]
    public async Task Each_topic_schema_is_compatible_with_the_schema_registry_in_SCHEMA_REGISTRY_URL()
    {
        using var registry = new ConfluentSchemaRegistry(new SchemaRegistryOptions
        {
            Url = Environment.GetEnvironmentVariable("SCHEMA_REGISTRY_URL")!,
            BasicAuthUserInfo = Environment.GetEnvironmentVariable("SCHEMA_REGISTRY_AUTH"),
        });

        var results = await RegistryCompatibility.CheckAsync(registry, new TopicOptions(), CancellationToken.None);

        Assert.Equal(8, results.Count);
        Assert.All(results, r => Assert.True(r.Result.IsCompatible, $"{r.Subject}: {string.Join("; ", r.Result.Messages)}"));
    }

    private static IReadOnlyList<SchemaFile> WithClickEvent(string schemaText) =>
        RecordSchemas.Current.Select(f => f.Name == ClickEvent.Schema.Fullname ? new SchemaFile(f.Path, schemaText, Schema.Parse(schemaText)) : f).ToList();
}

/// <summary>A test that needs a real Schema Registry: skipped unless SCHEMA_REGISTRY_URL names one.</summary>
public sealed class ExternalSchemaRegistryFactAttribute : FactAttribute
{
    public ExternalSchemaRegistryFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("SCHEMA_REGISTRY_URL")))
        {
            Skip = "Set SCHEMA_REGISTRY_URL to check the schemas against a real Schema Registry.";
        }
    }
}
