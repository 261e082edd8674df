using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Personalization.Topology.Records;
using Personalization.Worker.Queries;
using Streams.TestSupport;
using Xunit.Abstractions;

namespace Personalization.Worker.Tests;

/// <summary>
/// The query API across worker processes sharing one application, as the site and bidders use it: every user
/// answerable from every instance, with what the output topics last carried for that user, single and in batches,
/// and still correct while a rebalance moves partitions away from an instance that leaves; a user's history read back
/// from the topics by either instance; and the fleet view of both instances from either.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class QueryApiTests(KafkaClusterFixture kafka, ITestOutputHelper output) : EndToEndTest(kafka)
{
    private const int Partitions = 4;
    private const int Users = 24;

    private Dictionary<string, string> Environment(int port, string instance, int standbys = 0)
    {
        var environment = new Dictionary<string, string>
        {
            ["Kafka__BootstrapServers"] = Kafka.BootstrapServers,
            ["Streams__ApplicationId"] = Name("queries"),
            ["Streams__StateDir"] = StateDir(instance),
            ["Streams__CommitIntervalMs"] = "200",
            ["Streams__ApplicationServer"] = $"http://127.0.0.1:{port}",
            ["Topics__Partitions"] = Partitions.ToString(CultureInfo.InvariantCulture),
            ["Http__Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Kafka__Client__session.timeout.ms"] = "6000",
            ["Scoring__PropensityInterval"] = "00:00:01",
            ["Streams__NumStandbyReplicas"] = standbys.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, topic) in WorkerTopics.Keys)
        {
            environment[$"Topics__{key}"] = Name(topic);
        }

        return environment;
    }

    [Fact]
    public async Task Every_user_is_answered_by_every_instance_with_what_the_output_topics_last_carried_also_through_a_rebalance()
    {
        await CreateTopicsAsync();
        var (port1, port2) = (Ports.Free(), Ports.Free());
        using var first = WorkerProcess.Start(output, Environment(port1, "first"), "run");
        await first.WaitUntilReadyAsync(port1, TimeSpan.FromSeconds(90));
        using var second = WorkerProcess.Start(output, Environment(port2, "second"), "run");
        await second.WaitUntilReadyAsync(port2, TimeSpan.FromSeconds(90));
        using var http1 = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port1}") };
        using var http2 = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port2}") };
        await WaitForAsync(async () => await TaskCount(http1) + await TaskCount(http2) == Partitions * WorkerTopics.Subtopologies && await TaskCount(http2) > 0,
            TimeSpan.FromSeconds(60), "the two instances to share the partitions");

        using var serdes = new RecordSerdes(RecordSchemas.LocalRegistry());
        ProduceClicks(serdes);
        var fraud = LastPerUser(Name("scores.fraud"), serdes.Score, Users);
        var propensity = LastPerUser(Name("scores.propensity"), serdes.Score, Users);
        var attributes = LastPerUser(Name("users.attributes"), serdes.AttributeUpdate, Users);

        // Each instance answers every user, the same instance reading the stores whichever was asked.
        var owners = new Dictionary<string, string>();
        foreach (var user in UserIds())
        {
            var one = await GetUserAsync(http1, user);
            var two = await GetUserAsync(http2, user);
            Assert.Equal(one["instance"]!.ToJsonString(), two["instance"]!.ToJsonString());
            AssertMatchesTopics(one, fraud[user], propensity[user], attributes[user].Attributes);
            AssertMatchesTopics(two, fraud[user], propensity[user], attributes[user].Attributes);
            owners[user] = one["instance"]!["endpoint"]!.GetValue<string>();
        }

        Assert.Equal(2, owners.Values.Distinct().Count());

        // Either instance reads a user's history back from the topics: the same records whichever is asked, newest first,
        // the latest of each kind what the topics last carried.
        foreach (var user in UserIds().Take(4))
        {
            var one = await GetJsonAsync(http1, $"/v1/users/{user}/history");
            var two = await GetJsonAsync(http2, $"/v1/users/{user}/history");
            foreach (var part in new[] { "events", "fraud_scores", "propensity_scores", "attribute_changes" })
            {
                Assert.Equal(one[part]!.ToJsonString(), two[part]!.ToJsonString());
            }

            Assert.Equal(["PURCHASE", "ADD_TO_CART", "PRODUCT_VIEW"], one["events"]!.AsArray().Select(e => e!["type"]!.GetValue<string>()));
            Assert.Equal(Json(fraud[user]), one["fraud_scores"]![0]!.ToJsonString());
            Assert.Equal(Json(propensity[user]), one["propensity_scores"]![0]!.ToJsonString());
            Assert.Equal(Json(attributes[user].Attributes), one["attribute_changes"]![0]!["attributes"]!.ToJsonString());
            Assert.All(one["scanned"]!.AsArray(), scan => Assert.True(scan!["complete"]!.GetValue<bool>(), scan.ToJsonString()));
        }

        // One instance's fleet view shows both, each with its own pipeline view, their tasks together all there are.
        var instances = (await GetJsonAsync(http2, "/v1/instances"))["instances"]!.AsArray();
        Assert.Equal(
            new[] { $"http://127.0.0.1:{port1}", $"http://127.0.0.1:{port2}" }.Order(StringComparer.Ordinal),
            instances.Select(i => i!["endpoint"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(Partitions * WorkerTopics.Subtopologies, instances.Sum(i => i!["active_tasks"]!.AsArray().Count));
        Assert.All(instances, i => Assert.Equal(i!["process_id"]!.GetValue<string>(), i["pipeline"]!["instance"]!["process_id"]!.GetValue<string>()));
        Assert.Equal($"http://127.0.0.1:{port2}", instances.Single(i => i!["local"]!.GetValue<bool>())!["endpoint"]!.GetValue<string>());
        var unknown = await http2.GetAsync("/v1/users/nobody-at-all");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        // One batch across both instances, answered in the order asked.
        var ids = UserIds().Append("nobody-at-all").ToList();
        var batch = JsonNode.Parse(await http1.GetStringAsync("/v1/users?" + string.Join('&', ids.Select(id => "id=" + id))))!["users"]!.AsArray();
        Assert.Equal(ids, batch.Select(entry => entry!["user_id"]!.GetValue<string>()));
        Assert.All(batch.Take(Users), entry => Assert.Equal(200, entry!["status"]!.GetValue<int>()));
        Assert.Equal(404, batch[^1]!["status"]!.GetValue<int>());
        Assert.Equal(owners.Values, batch.Take(Users).Select(entry => entry!["instance"]!["endpoint"]!.GetValue<string>()));

        // The second instance leaves: while its partitions move, an answer is the right one or a 503 with Retry-After.
        var leaving = second.TerminateAsync(TimeSpan.FromSeconds(45));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var answeredByFirst = new HashSet<string>();
        while (answeredByFirst.Count < Users && DateTime.UtcNow < deadline)
        {
            foreach (var user in UserIds().Where(u => !answeredByFirst.Contains(u)))
            {
                if (await AnswerWhileMovingAsync(http1, user) is not { } body)
                {
                    continue;
                }

                AssertMatchesTopics(body, fraud[user], propensity[user], attributes[user].Attributes);
                if (body["instance"]!["endpoint"]!.GetValue<string>() == $"http://127.0.0.1:{port1}")
                {
                    answeredByFirst.Add(user);
                }
            }

            await Task.Delay(100);
        }

        var left = await leaving;
        Assert.Equal(0, left.Exit);
        // Kafka:Client's session.timeout.ms reaches producers and admin clients too, which warn about it: through the
        // host's logging, never as raw librdkafka lines on stderr.
        Assert.DoesNotMatch(new System.Text.RegularExpressions.Regex(@"^%\d\|", System.Text.RegularExpressions.RegexOptions.Multiline), left.Errors);
        Assert.Equal(Users, answeredByFirst.Count);
        await first.TerminateAsync(TimeSpan.FromSeconds(45));
    }

    [Fact]
    public async Task With_a_standby_the_users_of_a_killed_instance_are_answered_by_the_standby_at_once_and_then_by_their_new_owner()
    {
        await CreateTopicsAsync();
        var ports = new[] { Ports.Free(), Ports.Free(), Ports.Free() };
        var workers = new List<WorkerProcess>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                workers.Add(WorkerProcess.Start(output, Environment(ports[i], $"instance-{i}", standbys: 1), "run"));
                await workers[i].WaitUntilReadyAsync(ports[i], TimeSpan.FromSeconds(90));
            }

            var clients = ports.Select(port => new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") }).ToList();
            await WaitForAsync(async () => (await Task.WhenAll(clients.Select(TaskCount))) is var counts && counts.Sum() == Partitions * WorkerTopics.Subtopologies && counts.All(c => c > 0),
                TimeSpan.FromSeconds(60), "the three instances to share the partitions");

            using var serdes = new RecordSerdes(RecordSchemas.LocalRegistry());
            ProduceClicks(serdes);
            var fraud = LastPerUser(Name("scores.fraud"), serdes.Score, Users);
            var propensity = LastPerUser(Name("scores.propensity"), serdes.Score, Users);
            var attributes = LastPerUser(Name("users.attributes"), serdes.AttributeUpdate, Users);
            foreach (var client in clients)
            {
                foreach (var user in UserIds())
                {
                    AssertMatchesTopics(await GetUserAsync(client, user), fraud[user], propensity[user], attributes[user].Attributes);
                }
            }

            // Every standby placed and caught up before the failure.
            await WaitForAsync(async () => (await Task.WhenAll(clients.Select(StandbyLag))).All(lag => lag == 0), TimeSpan.FromSeconds(30), "standbys in sync");

            var victimEndpoint = (await GetUserAsync(clients[0], "user-000"))["instance"]!["endpoint"]!.GetValue<string>();
            var victim = Array.FindIndex(ports, port => victimEndpoint.EndsWith($":{port}", StringComparison.Ordinal));
            var victimUsers = new List<string>();
            foreach (var user in UserIds())
            {
                if ((await GetUserAsync(clients[0], user))["instance"]!["endpoint"]!.GetValue<string>() == victimEndpoint)
                {
                    victimUsers.Add(user);
                }
            }

            workers[victim].KillHard();
            var survivors = clients.Where((_, i) => i != victim).ToList();
            var sources = new Dictionary<string, HashSet<string>>();
            var activeAgain = new HashSet<string>();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while (activeAgain.Count < victimUsers.Count && DateTime.UtcNow < deadline)
            {
                foreach (var user in victimUsers)
                {
                    foreach (var client in survivors)
                    {
                        if (await AnswerWhileMovingAsync(client, user) is not { } body)
                        {
                            continue;
                        }

                        var source = body["source"]!.GetValue<string>();
                        Assert.Equal(Json(fraud[user]), body["scores"]!["fraud"]!.ToJsonString());
                        Assert.Equal(Json(attributes[user].Attributes), body["attributes"]!.ToJsonString());
                        Assert.NotEqual(victimEndpoint, body["instance"]!["endpoint"]!.GetValue<string>());
                        if (!sources.TryGetValue(user, out var seen))
                        {
                            sources[user] = seen = [];
                        }

                        seen.Add(source);
                        if (source == "active")
                        {
                            activeAgain.Add(user);
                        }
                    }
                }

                await Task.Delay(100);
            }

            output.WriteLine($"killed instance {victim} owning {victimUsers.Count} users; sources seen: {string.Join("; ", sources.Select(kv => $"{kv.Key}={string.Join("/", kv.Value)}"))}");
            Assert.Equal(victimUsers.Count, activeAgain.Count);
            Assert.All(victimUsers, user => Assert.Contains("standby", sources[user]));
            foreach (var (worker, index) in workers.Select((w, i) => (w, i)).Where(w => w.i != victim))
            {
                await worker.TerminateAsync(TimeSpan.FromSeconds(45));
            }
        }
        finally
        {
            foreach (var worker in workers)
            {
                worker.Dispose();
            }
        }
    }

    private static async Task<double> StandbyLag(HttpClient http)
    {
        var metrics = await http.GetStringAsync("/metrics");
        var lines = metrics.Split('\n').Where(line => line.StartsWith("streams_standby_lag_records{", StringComparison.Ordinal)).ToList();
        return lines.Count == 0 ? -1 : lines.Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    private async Task CreateTopicsAsync()
    {
        if (Kafka.Kind != BrokerKind.Embedded)
        {
            foreach (var (_, topic) in WorkerTopics.Keys)
            {
                await Kafka.CreateTopicAsync(Name(topic), Partitions);
            }

            return;
        }

        // The mock has no CreateTopics: the internal topics the workers would create are created here.
        foreach (var (_, topic) in WorkerTopics.Keys)
        {
            await Kafka.CreateTopicAsync(Name(topic), Partitions);
        }

        foreach (var topic in WorkerTopics.Internal(Name("queries")))
        {
            await Kafka.CreateTopicAsync(topic, Partitions);
        }

        await Kafka.CreateTopicAsync($"{Name("queries")}-instances", 1);
    }

    private static IEnumerable<string> UserIds() => Enumerable.Range(0, Users).Select(i => $"user-{i:D3}");

    private void ProduceClicks(RecordSerdes serdes)
    {
        var topic = Name("events.clickstream");
        var context = new SerializationContext(MessageComponentType.Value, topic);
        using var producer = Kafka.Producer(Serializers.Utf8, Serializers.ByteArray);
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        var serial = 0;
        foreach (var user in UserIds())
        {
            foreach (var (type, seconds) in new[] { (EventType.ProductView, 0), (EventType.AddToCart, 2), (EventType.Purchase, 4) })
            {
                var click = new ClickEvent
                {
                    EventId = $"e{++serial}", UserId = user, SessionId = "s-" + user, Type = type, Timestamp = start.AddSeconds(seconds),
                    ItemId = "item-7", Price = 25, DeviceId = "device-" + user,
                };
                producer.Produce(topic, new Message<string, byte[]> { Key = user, Value = serdes.ClickEvent.Serialize(click, context), Timestamp = new Timestamp(click.Timestamp) });
            }
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
    }

    /// <summary>
    /// Each user's last record on a topic once the topic has settled: every user present and nothing new for three
    /// seconds, longer than the propensity interval, so pending rescoring has come out too.
    /// </summary>
    private Dictionary<string, T> LastPerUser<T>(string topic, Streams.Engine.Serialization.ISerde<T> serde, int users)
    {
        var context = new SerializationContext(MessageComponentType.Value, topic);
        var (count, grewAt) = (0, DateTime.UtcNow);
        var records = Kafka.ReadUntil(topic, Deserializers.Utf8, Deserializers.ByteArray, read =>
        {
            if (read.Count != count)
            {
                (count, grewAt) = (read.Count, DateTime.UtcNow);
            }

            return read.Select(r => r.Message.Key).Distinct().Count() >= users && DateTime.UtcNow - grewAt > TimeSpan.FromSeconds(3);
        }, TimeSpan.FromSeconds(90));
        return records.Where(r => r.Message.Value is not null)
            .GroupBy(r => r.Message.Key)
            .ToDictionary(g => g.Key, g => serde.Deserialize(g.Last().Message.Value, false, context));
    }

    /// <summary>
    /// A lookup while partitions move: a 503 must say when to retry (null then), anything else must be a 200 (its body).
    /// </summary>
    private static async Task<JsonNode?> AnswerWhileMovingAsync(HttpClient http, string user)
    {
        using var response = await http.GetAsync($"/v1/users/{user}");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
        {
            Assert.Equal("1", response.Headers.RetryAfter?.ToString());
            return null;
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return body;
    }

    private static async Task<JsonNode> GetJsonAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    private static async Task<JsonNode> GetUserAsync(HttpClient http, string user)
    {
        using var response = await http.GetAsync($"/v1/users/{user}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{user}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    private static void AssertMatchesTopics(JsonNode answer, Score fraud, Score propensity, UserAttributes attributes)
    {
        Assert.Equal(Json(fraud), answer["scores"]!["fraud"]!.ToJsonString());
        Assert.Equal(Json(propensity), answer["scores"]!["propensity"]!.ToJsonString());
        Assert.Equal(Json(attributes), answer["attributes"]!.ToJsonString());
        Assert.Equal("active", answer["source"]!.GetValue<string>());
    }

    private static string Json<T>(T value) => JsonSerializer.SerializeToNode(value, UserQueryService.Json)!.ToJsonString();

    private static async Task<int> TaskCount(HttpClient http)
    {
        // Not ready (503) while a rebalance restores tasks: the body still counts them.
        using var response = await http.GetAsync("/healthz/ready");
        using var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return response.StatusCode == HttpStatusCode.OK ? health.RootElement.GetProperty("details").GetProperty("tasks").GetInt32() : -100;
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
