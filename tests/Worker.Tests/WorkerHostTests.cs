using System.Net;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Personalization.Topology.Records;
using Personalization.Worker.Hosting;
using Streams.Engine.Metrics;
using Streams.Engine.Runtime;
using Streams.Engine.Tasks;
using Streams.TestSupport;
using Xunit.Abstractions;

namespace Personalization.Worker.Tests;

/// <summary>The worker host on its embedded default, as a newcomer runs it, through its HTTP endpoints and topics.</summary>
public sealed class WorkerHostTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _stateDir = Path.Combine(Path.GetTempPath(), "worker-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_stateDir))
        {
            Directory.Delete(_stateDir, recursive: true);
        }
    }

    [Fact]
    public async Task On_the_embedded_default_it_becomes_ready_scores_and_joins_generated_traffic_exports_lag_per_partition_and_stops_cleanly()
    {
        var port = Ports.Free();
        var app = WorkerHost.Build([], new Dictionary<string, string?>
        {
            ["Http:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Streams:StateDir"] = _stateDir,
            ["Streams:CommitIntervalMs"] = "500",
            ["Generator:Rate"] = "400",
            ["Generator:Users"] = "500",
            ["RewardJoin:DefaultRewardWait"] = "00:00:02",
            ["Kafka:Client:session.timeout.ms"] = "6000",
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await app.StartAsync();
        try
        {
            await WaitForAsync(async () => (await http.GetAsync("/healthz/ready")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "/healthz/ready");
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz/live")).StatusCode);

            var connection = app.Services.GetRequiredService<KafkaConnection>();
            var serdes = app.Services.GetRequiredService<RecordSerdes>();
            var settings = app.Services.GetRequiredService<WorkerSettings>();
            var fraud = Read(connection.BootstrapServers, settings.Topics.FraudScores, serdes.Score, 20);
            var training = Read(connection.BootstrapServers, settings.Topics.Training, serdes.TrainingRecord, 5);
            output.WriteLine($"{fraud.Count} fraud scores, {training.Count} training records");
            Assert.True(fraud.Count >= 20, $"only {fraud.Count} fraud scores");
            Assert.All(fraud, s => Assert.Equal("v1", s.ModelVersion));
            // The demo replays its traffic in real time: no event is from the future of the moment it is scored.
            Assert.All(fraud, s => Assert.True(s.AsOf <= s.ScoredAt.AddSeconds(1), $"features as of {s.AsOf:O}, scored at {s.ScoredAt:O}"));
            Assert.True(training.Count >= 5, $"only {training.Count} training records");

            // Lag is refreshed about once a second per thread, so the series appear shortly after the partitions are assigned.
            var metrics = "";
            await WaitForAsync(
                async () => (metrics = await http.GetStringAsync("/metrics"))
                    .Contains("streams_consumer_lag_records{topic=\"events.clickstream\",partition=\"3\"}", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30), "per-partition lag in /metrics");
            for (var partition = 0; partition < 4; partition++)
            {
                Assert.Contains($"streams_consumer_lag_records{{topic=\"events.clickstream\",partition=\"{partition}\"}}", metrics, StringComparison.Ordinal);
                Assert.Contains($"streams_consumer_lag_seconds{{topic=\"events.clickstream\",partition=\"{partition}\"}}", metrics, StringComparison.Ordinal);
            }

            foreach (var series in new[]
            {
                "streams_records_consumed_total{topic=\"events.clickstream\"}", "streams_records_produced_total{topic=\"scores.fraud\"}",
                "streams_e2e_latency_seconds_bucket{topic=\"scores.fraud\"", "streams_commit_duration_seconds_count", "streams_model_info{model=\"fraud\",version=\"v1\"} 1",
                "streams_score_duration_seconds_count{model=\"fraud\"}", "streams_guardrail_active{model=\"fraud\"}", "process_cpu_seconds_total", "dotnet_collection_count_total",
                "streams_dead_letters_total{topic=\"events.clickstream\"}", "streams_late_records_dropped_total{store=\"feature-tiles\"}", "streams_rebalances_total",
            })
            {
                Assert.Contains(series, metrics, StringComparison.Ordinal);
            }

            // Restoration is reported per store and task: the four tasks' restorations of one store do not share a series.
            for (var partition = 0; partition < 4; partition++)
            {
                Assert.Contains($"streams_restore_remaining_records{{store=\"feature-tiles\",task=\"0_{partition}\"}}", metrics, StringComparison.Ordinal);
            }
        }
        finally
        {
            await app.StopAsync();
        }

        var streams = app.Services.GetRequiredService<StreamsService>().Streams!;
        Assert.Equal(StreamsState.NotRunning, streams.State);
        Assert.Null(streams.Error);
        await app.DisposeAsync();
    }

    [Fact]
    public async Task A_shadow_planned_beside_the_models_is_scored_live_and_reported_on_v1_models_and_in_the_metrics()
    {
        var models = Path.Combine(_stateDir, "models");
        Directory.CreateDirectory(models);
        var shipped = Path.Combine(AppContext.BaseDirectory, "models");
        File.Copy(Path.Combine(shipped, "fraud-v1.zip"), Path.Combine(models, "fraud-v1.zip"));
        File.Copy(Path.Combine(shipped, "propensity-v1.zip"), Path.Combine(models, "propensity-v1.zip"));
        File.Copy(Path.Combine(shipped, "propensity-v1.zip"), Path.Combine(models, "propensity-v2.zip"));
        File.WriteAllText(Path.Combine(models, "rollouts.json"), """{ "propensity": { "serving": "v1", "candidate": "v2", "mode": "shadow", "minScores": 10 } }""");
        var port = Ports.Free();
        var app = WorkerHost.Build([], new Dictionary<string, string?>
        {
            ["Http:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Streams:StateDir"] = Path.Combine(_stateDir, "state"),
            ["Models:Directory"] = models,
            ["Generator:Rate"] = "400",
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await app.StartAsync();
        try
        {
            JsonElement propensity = default;
            await WaitForAsync(async () =>
            {
                using var status = JsonDocument.Parse(await http.GetStringAsync("/v1/models"));
                propensity = status.RootElement.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("model").GetString() == "propensity").Clone();
                return propensity.GetProperty("candidate").GetProperty("comparison").GetProperty("compared").GetInt64() >= 10;
            }, TimeSpan.FromSeconds(60), "compared rows on /v1/models");
            output.WriteLine(propensity.ToString());
            Assert.Equal("v1", propensity.GetProperty("serving").GetString());
            Assert.True(propensity.GetProperty("pinned").GetBoolean());
            var candidate = propensity.GetProperty("candidate");
            Assert.Equal(("v2", "shadow", "active"), (candidate.GetProperty("version").GetString(), candidate.GetProperty("mode").GetString(), candidate.GetProperty("state").GetString()));
            Assert.Equal(1.0, candidate.GetProperty("comparison").GetProperty("agreement").GetDouble());

            var metrics = await http.GetStringAsync("/metrics");
            Assert.Contains("streams_rollout_active{model=\"propensity\",version=\"v2\",mode=\"shadow\"} 1", metrics, StringComparison.Ordinal);
            Assert.Contains("streams_rollout_comparisons_total{model=\"propensity\",version=\"v2\"}", metrics, StringComparison.Ordinal);
            Assert.Contains("streams_rollout_scores_bucket{model=\"propensity\",version=\"v2\",role=\"candidate\"", metrics, StringComparison.Ordinal);
            Assert.Contains("streams_model_info{model=\"propensity\",version=\"v1\"} 1", metrics, StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_pipeline_view_reports_traffic_tasks_and_models_and_the_console_can_be_turned_off()
    {
        var port = Ports.Free();
        var app = WorkerHost.Build([], new Dictionary<string, string?>
        {
            ["Http:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Streams:StateDir"] = _stateDir,
            ["Generator:Rate"] = "200",
            ["Console:Enabled"] = "false",
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await app.StartAsync();
        try
        {
            JsonElement view = default;
            await WaitForAsync(async () =>
            {
                using var document = JsonDocument.Parse(await http.GetStringAsync("/v1/pipeline"));
                view = document.RootElement.Clone();
                var topics = view.GetProperty("topics").EnumerateArray().ToDictionary(t => t.GetProperty("topic").GetString()!);
                // Lag is refreshed about once a second per thread, so every input's partitions show shortly after the first records.
                return topics["events.clickstream"].GetProperty("consumed").GetInt64() > 0 && topics["scores.propensity"].GetProperty("produced").GetInt64() > 0
                    && view.GetProperty("lag").EnumerateArray().Any(l => l.GetProperty("topic").GetString() == "events.clickstream");
            }, TimeSpan.FromSeconds(60), "traffic and lag on /v1/pipeline");

            Assert.Equal("Running", view.GetProperty("instance").GetProperty("state").GetString());
            var tasks = view.GetProperty("tasks").EnumerateArray().ToList();
            Assert.NotEmpty(tasks);
            Assert.All(tasks, t => Assert.Equal("running", t.GetProperty("state").GetString()));
            Assert.Contains(view.GetProperty("lag").EnumerateArray(), l => l.GetProperty("topic").GetString() == "events.clickstream");
            var scores = view.GetProperty("topics").EnumerateArray().Single(t => t.GetProperty("topic").GetString() == "scores.propensity");
            Assert.True(scores.GetProperty("latency_ms").GetProperty("p99").GetDouble() >= scores.GetProperty("latency_ms").GetProperty("p50").GetDouble());

            // Latency covers the recent past: from the second request on, what happened since an earlier request.
            var first = DateTimeOffset.UtcNow;
            await http.GetStringAsync("/v1/pipeline");
            await Task.Delay(1000);
            using (var later = JsonDocument.Parse(await http.GetStringAsync("/v1/pipeline")))
            {
                var recent = later.RootElement.GetProperty("topics").EnumerateArray().Single(t => t.GetProperty("topic").GetString() == "scores.propensity");
                var since = recent.GetProperty("latency_ms").GetProperty("since").GetDateTimeOffset();
                Assert.InRange(since, first.AddMinutes(-2), first.AddSeconds(1));
            }
            Assert.Contains(view.GetProperty("models").EnumerateArray(), m => m.GetProperty("model").GetString() == "fraud" && m.GetProperty("serving").GetString() == "v1");
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/console/")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/console/forget/user-000001", null)).StatusCode);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_second_run_on_the_embedded_default_starts_from_empty_state_not_from_the_previous_clusters()
    {
        // Each run of the embedded default is a new cluster, while the state directory stays where it was.
        var stores = new[] { "feature-tiles", "user-profiles", "user-attributes" };
        async Task<(string Metrics, IReadOnlyList<MetricSample> Engine)> RunOnceAsync()
        {
            var port = Ports.Free();
            var app = WorkerHost.Build([], new Dictionary<string, string?>
            {
                ["Http:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Streams:StateDir"] = _stateDir,
                ["Streams:CommitIntervalMs"] = "300",
                ["Generator:Rate"] = "400",
                ["Generator:Users"] = "200",
            });
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await app.StartAsync();
            try
            {
                await WaitForAsync(async () => (await http.GetAsync("/healthz/ready")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "/healthz/ready");
                var streams = app.Services.GetRequiredService<StreamsService>().Streams!;
                // Clickstream events, not the demo's opening burst of catalog records: the user stores must hold something.
                var clicks = streams.Metrics.Counter(TaskMetrics.RecordsConsumed, "events.clickstream");
                await WaitForAsync(() => Task.FromResult(clicks.Value > 1000), TimeSpan.FromSeconds(60), "1,000 clickstream events processed");
                return (await http.GetStringAsync("/metrics"), streams.Metrics.Snapshot());
            }
            finally
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }

        var (firstMetrics, _) = await RunOnceAsync();
        var (secondMetrics, second) = await RunOnceAsync();

        Assert.DoesNotContain("streams_stores_wiped_total{", firstMetrics, StringComparison.Ordinal);
        foreach (var store in stores)
        {
            var wiped = second.Where(m => m.Metric == RuntimeMetrics.StoresWiped && m.LabelValues[0] == store).Sum(m => m.Value);
            Assert.True(wiped > 0, $"{store} was not wiped on the second run");
            Assert.Contains($"streams_stores_wiped_total{{store=\"{store}\",task=\"0_", secondMetrics, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Streams:ProcessingGuarantee", "exactly_once")]
    [InlineData("Streams:NumThreads", "many")]
    [InlineData("Streams:NumThreads", "0")]
    [InlineData("Streams:NativeHeapTrimSeconds", "-1")]
    [InlineData("Streams:IdleCommitIntervalMs", "20")]
    [InlineData("Scoring:LatencyBudget", "-00:00:01")]
    [InlineData("Topics:Clickstream", "events clickstream")]
    [InlineData("Kafka:SchemaRegistryUrl", "registry:8081")]
    [InlineData("Tracing:SampleRatio", "1.5")]
    [InlineData("SchemaRegistry:Url", "http://registry:8081")]
    [InlineData("Streams:BootstrapServers", "broker:9092")]
    [InlineData("Streams:RocksDbWriteBufferMb", "4096")]
    [InlineData("Streams:ApplicationServer", "http://pod 1:8080")]
    [InlineData("Queries:Port", "70000")]
    [InlineData("Queries:MaxBatchSize", "0")]
    [InlineData("Queries:ForwardTimeout", "00:01:00")]
    [InlineData("Queries:HistoryScanRecords", "0")]
    [InlineData("Queries:HistoryTimeout", "00:00:00")]
    [InlineData("Queries:HistoryMaxLimit", "100000")]
    public void A_bad_configuration_value_stops_start_up_with_its_key_named(string key, string value)
    {
        var error = Assert.Throws<WorkerConfigurationException>(() => WorkerHost.Build([], new Dictionary<string, string?> { [key] = value }));

        Assert.Equal(key, error.Key);
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        output.WriteLine(error.Message);
    }

    [Fact]
    public async Task The_query_api_can_have_a_port_of_its_own_away_from_metrics_and_health_or_be_turned_off()
    {
        var (port, queryPort) = (Ports.Free(), Ports.Free());
        await using (var app = WorkerHost.Build([], QuietEmbedded(port, ("Queries:Port", queryPort.ToString(System.Globalization.CultureInfo.InvariantCulture)))))
        {
            await app.StartAsync();
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            using var queries = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{queryPort}") };
            await WaitForAsync(async () => (await http.GetAsync("/healthz/ready")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "/healthz/ready");

            var unknown = await queries.GetAsync("/v1/users/nobody");
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Contains("\"user_id\":\"nobody\"", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.BadRequest, (await queries.GetAsync("/v1/users")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await queries.GetAsync("/metrics")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await queries.GetAsync("/healthz/ready")).StatusCode);
            var onMainPort = await http.GetAsync("/v1/users/nobody");
            Assert.Equal(HttpStatusCode.NotFound, onMainPort.StatusCode);
            Assert.Empty(await onMainPort.Content.ReadAsStringAsync());

            // The console's inspector still looks users up, on the console's port only.
            var inspected = await http.GetAsync("/console/users/nobody");
            Assert.Equal(HttpStatusCode.NotFound, inspected.StatusCode);
            Assert.Contains("\"user_id\":\"nobody\"", await inspected.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/console/users/nobody/history")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await queries.GetAsync("/console/users/nobody")).StatusCode);
            await app.StopAsync();
        }

        var offPort = Ports.Free();
        await using var off = WorkerHost.Build([], QuietEmbedded(offPort, ("Queries:Enabled", "false")));
        await off.StartAsync();
        using var offHttp = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{offPort}") };
        await WaitForAsync(async () => (await offHttp.GetAsync("/healthz/ready")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "/healthz/ready");
        var disabled = await offHttp.GetAsync("/v1/users/nobody");
        Assert.Equal(HttpStatusCode.NotFound, disabled.StatusCode);
        Assert.Empty(await disabled.Content.ReadAsStringAsync());
        Assert.Empty(await (await offHttp.GetAsync("/console/users/nobody")).Content.ReadAsStringAsync());
        await off.StopAsync();
    }

    [Fact]
    public async Task A_users_history_within_the_scan_budget_is_the_newest_records_and_says_what_it_did_not_search()
    {
        var port = Ports.Free();
        await using var app = WorkerHost.Build([], QuietEmbedded(port, ("Queries:HistoryScanRecords", "3")));
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await WaitForAsync(async () => (await http.GetAsync("/healthz/ready")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "/healthz/ready");
        var settings = app.Services.GetRequiredService<WorkerSettings>();
        var serdes = app.Services.GetRequiredService<RecordSerdes>();
        var context = new SerializationContext(MessageComponentType.Value, settings.Topics.Clickstream);
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = app.Services.GetRequiredService<KafkaConnection>().BootstrapServers, Partitioner = Partitioner.Murmur2Random,
        }).Build())
        {
            for (var i = 1; i <= 5; i++)
            {
                var click = new ClickEvent { EventId = $"h-{i}", UserId = "historian", SessionId = "s", Type = EventType.PageView, Timestamp = DateTimeOffset.UtcNow };
                await producer.ProduceAsync(settings.Topics.Clickstream, new Message<string, byte[]> { Key = "historian", Value = serdes.ClickEvent.Serialize(click, context) });
            }
        }

        using var answer = JsonDocument.Parse(await http.GetStringAsync("/v1/users/historian/history?limit=2"));
        var history = answer.RootElement;
        Assert.Equal(["h-5", "h-4"], history.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event_id").GetString()));
        var clickstream = history.GetProperty("scanned").EnumerateArray().Single(s => s.GetProperty("topic").GetString() == settings.Topics.Clickstream);
        Assert.False(clickstream.GetProperty("complete").GetBoolean());
        Assert.Equal(3, clickstream.GetProperty("records").GetInt64());
        Assert.Contains("Queries:HistoryScanRecords", clickstream.GetProperty("note").GetString(), StringComparison.Ordinal);

        var tooMany = await http.GetAsync("/v1/users/historian/history?limit=501");
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        await app.StopAsync();
    }

    private Dictionary<string, string?> QuietEmbedded(int port, params (string Key, string Value)[] settings)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Http:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Streams:StateDir"] = Path.Combine(_stateDir, port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ["Generator:Enabled"] = "false",
        };
        foreach (var (key, value) in settings)
        {
            overrides[key] = value;
        }

        return overrides;
    }

    [Fact]
    public void The_schema_registry_section_is_validated_with_the_registry_url_naming_the_key()
    {
        var error = Assert.Throws<WorkerConfigurationException>(() => WorkerHost.Build([], new Dictionary<string, string?>
        {
            ["Kafka:SchemaRegistryUrl"] = "https://registry:8081",
            ["Kafka:SchemaRegistryBasicAuthUserInfo"] = "svc:secret",
            ["SchemaRegistry:BearerAuthToken"] = "token",
        }));

        Assert.Equal("SchemaRegistry:BasicAuthUserInfo", error.Key);
        Assert.Contains("BearerAuthToken", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tracing_is_off_by_default_and_on_exports_the_engines_and_the_topologys_spans()
    {
        using var off = WorkerHost.Build([], new Dictionary<string, string?> { ["Http:Port"] = "18090" });
        using var on = WorkerHost.Build([], new Dictionary<string, string?> { ["Http:Port"] = "18091", ["Tracing:Enabled"] = "true" });

        Assert.Null(off.Services.GetService<OpenTelemetry.Trace.TracerProvider>());
        Assert.NotNull(on.Services.GetRequiredService<OpenTelemetry.Trace.TracerProvider>());
        Assert.True(Streams.Engine.Tracing.StreamsTracing.IsEnabled, "the engine's spans have a listener once tracing is on");
    }

    [Theory]
    [InlineData("Streams:NumThread", "4")]
    [InlineData("Kafka:BootstrapServer", "broker:9092")]
    [InlineData("Scoring:LatencyBudgetMs", "20")]
    [InlineData("Topics:Clickstreams", "clicks")]
    [InlineData("SchemaRegistry:BearerToken", "token")]
    public void An_unknown_key_in_a_section_of_the_worker_stops_start_up_naming_it(string key, string value)
    {
        var error = Assert.Throws<WorkerConfigurationException>(() => WorkerHost.Build([], new Dictionary<string, string?> { [key] = value }));

        Assert.Equal(key, error.Key);
        Assert.Contains("is not a setting of the worker", error.Message, StringComparison.Ordinal);
        output.WriteLine(error.Message);
    }

    [Fact]
    public async Task Configuration_sources_apply_in_order_environment_then_secret_files_then_the_command_line()
    {
        // Each source sets an invalid thread count of its own, so the value start-up rejects tells which source won.
        var secrets = Path.Combine(_stateDir, "secrets");
        Directory.CreateDirectory(secrets);
        await File.WriteAllTextAsync(Path.Combine(secrets, "Streams__NumThreads"), "200");
        var environment = new Dictionary<string, string> { ["Streams__NumThreads"] = "100", ["SECRETS_DIR"] = secrets };

        var (exitWithFlag, _, withFlag) = await WorkerProcess.RunAsync(output, environment, "run", "--Streams:NumThreads=300");
        var (exitWithoutFlag, _, withoutFlag) = await WorkerProcess.RunAsync(output, environment, "run");

        Assert.Equal(2, exitWithFlag);
        Assert.Contains("'Streams:NumThreads': num.stream.threads must be between 1 and 64 but is 300", withFlag, StringComparison.Ordinal);
        Assert.Equal(2, exitWithoutFlag);
        Assert.Contains("'Streams:NumThreads': num.stream.threads must be between 1 and 64 but is 200", withoutFlag, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_process_exits_2_naming_the_key_on_bad_configuration_and_exits_0_on_SIGTERM_after_closing_cleanly()
    {
        var (badExit, _, badErrors) = await WorkerProcess.RunAsync(output, new Dictionary<string, string> { ["Streams__ProcessingGuarantee"] = "exactly_once_v1" }, "run");
        Assert.Equal(2, badExit);
        Assert.Contains("Streams:ProcessingGuarantee", badErrors, StringComparison.Ordinal);

        var port = Ports.Free();
        using var worker = WorkerProcess.Start(output, new Dictionary<string, string>
        {
            ["Http__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Streams__StateDir"] = _stateDir,
            ["Generator__Rate"] = "100",
        }, "run");
        await worker.WaitUntilReadyAsync(port, TimeSpan.FromSeconds(60));
        var (exit, logs, _) = await worker.TerminateAsync(TimeSpan.FromSeconds(45));
        Assert.Equal(0, exit);
        Assert.Contains("Stream runtime committed and closed", logs, StringComparison.Ordinal);
    }

    private static List<T> Read<T>(string bootstrapServers, string topic, IDeserializer<T> values, int atLeast)
    {
        using var consumer = new ConsumerBuilder<string, T>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "test-reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).SetValueDeserializer(values).Build();
        consumer.Subscribe(topic);
        var records = new List<T>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (records.Count < atLeast && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } record)
            {
                records.Add(record.Message.Value);
            }
        }

        consumer.Close();
        return records;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for {what}.");
            }

            await Task.Delay(200);
        }
    }

}
