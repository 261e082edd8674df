using System.CommandLine;
using System.Globalization;
using Confluent.Kafka;
using Personalization.Topology.Records;
using Personalization.Training.Export;
using Personalization.Worker.Hosting;

namespace Personalization.Worker.Commands;

/// <summary>
/// <c>export-training</c>: reads <c>bandit.training</c> (committed records only) for a range of decision times and writes
/// it as Vowpal Wabbit's DSJSON or as Parquet. The topic is read up to its end as it is when the command starts, so the
/// export is a consistent snapshot while the worker keeps writing.
/// </summary>
internal static class ExportTrainingCommand
{
    private static readonly TimeSpan KafkaTimeout = TimeSpan.FromSeconds(30);

    public static Command Create()
    {
        var bootstrap = new Option<string>("--bootstrap-servers", "-b") { Description = "The cluster (default: Kafka__BootstrapServers)." };
        var format = new Option<string>("--format") { Description = "dsjson (Vowpal Wabbit, one object per line) or parquet.", DefaultValueFactory = _ => "dsjson" };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The file to write.", Required = true };
        var from = new Option<DateTimeOffset?>("--from") { Description = "Earliest decision time, inclusive (ISO 8601; default: the topic's start)." };
        var to = new Option<DateTimeOffset?>("--to") { Description = "Latest decision time, exclusive (ISO 8601; default: no limit)." };
        var command = new Command("export-training", "Export bandit.training for a range of decision times as Vowpal Wabbit DSJSON or Parquet.")
        {
            bootstrap, format, output, from, to,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (WorkerConfiguration.LoadFor("export-training") is not { } settings)
            {
                return 2;
            }

            var servers = parse.GetValue(bootstrap) ?? settings.Kafka.BootstrapServers;
            var kind = parse.GetValue(format);
            if (string.IsNullOrWhiteSpace(servers) || kind is not ("dsjson" or "parquet"))
            {
                Console.Error.WriteLine("export-training: give --bootstrap-servers (or set Kafka__BootstrapServers) and --format dsjson or parquet.");
                return 2;
            }

            using var serdes = RecordSerdes.Create(settings.SchemaRegistry, autoRegisterSchemas: false);
            var reader = new TrainingRange(servers, settings.Kafka.Client, settings.Topics.Training, serdes, parse.GetValue(from), parse.GetValue(to));
            var file = parse.GetValue(output)!;
            await using (var stream = file.Create())
            {
                var records = reader.Read(cancellationToken);
                var written = kind == "dsjson" ? DsJsonWriter.WriteLines(stream, records) : await ParquetTrainingWriter.WriteAsync(stream, records, cancellationToken);
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"exported {written} training records of {settings.Topics.Training} ({reader.Scanned} read) to {file.FullName} as {kind}"));
            }

            if (reader.Unreadable > 0)
            {
                Console.Error.WriteLine($"export-training: {reader.Unreadable} records could not be read and are not in the export; the first: {reader.FirstError}");
                return 1;
            }

            return 0;
        });
        return command;
    }

    /// <summary>The training records of a topic whose decision time is in [from, to), up to the topic's end at the start.</summary>
    private sealed class TrainingRange(
        string servers, Dictionary<string, string> client, string topic, RecordSerdes serdes, DateTimeOffset? from, DateTimeOffset? to)
    {
        public long Scanned { get; private set; }

        public long Unreadable { get; private set; }

        public string? FirstError { get; private set; }

        public IEnumerable<TrainingRecord> Read(CancellationToken cancellationToken)
        {
            var config = new ConsumerConfig(client.ToDictionary())
            {
                BootstrapServers = servers,
                GroupId = "export-training-" + Guid.NewGuid().ToString("N"),
                EnableAutoCommit = false,
                IsolationLevel = IsolationLevel.ReadCommitted,
                AutoOffsetReset = AutoOffsetReset.Earliest,
            };
            using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
            using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
            var partitions = admin.GetMetadata(topic, KafkaTimeout).Topics.Single().Partitions
                .Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
            if (partitions.Count == 0)
            {
                throw new InvalidOperationException($"Topic '{topic}' does not exist.");
            }

            // A record's timestamp is when its reward window closed, never before its decision: records from `from` on
            // start no earlier than the first offset with a timestamp at or after it.
            var ends = partitions.ToDictionary(p => p, p => consumer.QueryWatermarkOffsets(p, KafkaTimeout).High.Value);
            var starts = from is { } start
                ? consumer.OffsetsForTimes(partitions.Select(p => new TopicPartitionTimestamp(p, new Timestamp(start))), KafkaTimeout)
                : partitions.Select(p => new TopicPartitionOffset(p, Offset.Beginning)).ToList();
            // No offset for the time (End) means no record that late, or a broker that cannot look offsets up by time
            // (librdkafka's mock): such a partition is read from its start, which costs time but never records.
            var open = starts.Where(s => ends[s.TopicPartition] > 0)
                .Select(s => s.Offset.Value >= 0 ? s : new TopicPartitionOffset(s.TopicPartition, Offset.Beginning)).ToList();
            consumer.Assign(open);
            var remaining = open.Select(s => s.TopicPartition).ToHashSet();
            var context = new SerializationContext(MessageComponentType.Value, topic);
            while (remaining.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
                foreach (var partition in remaining.Where(p => consumer.Position(p).Value >= ends[p]).ToList())
                {
                    remaining.Remove(partition);
                }

                if (result is null || result.Offset.Value >= ends[result.TopicPartition])
                {
                    continue;
                }

                Scanned++;
                TrainingRecord record;
                try
                {
                    record = serdes.TrainingRecord.Deserialize(result.Message.Value, result.Message.Value is null, context);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Unreadable++;
                    FirstError ??= $"{result.TopicPartitionOffset}: {e.Message}";
                    continue;
                }

                if ((from is null || record.DecisionTimestamp >= from) && (to is null || record.DecisionTimestamp < to))
                {
                    yield return record;
                }
            }
        }
    }
}
