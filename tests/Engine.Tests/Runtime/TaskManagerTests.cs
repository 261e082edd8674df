using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Streams.Engine.Dsl;
using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.Runtime;
using Streams.Engine.Serialization;
using Streams.Engine.Tasks;

namespace Streams.Engine.Tests.Runtime;

/// <summary>
/// The task manager's bookkeeping on client doubles: tasks per anchor partition with their co-partitioned partitions,
/// no processing before restoration, offsets per partition, and closing. Rebalances on a broker are tested end to end.
/// </summary>
public sealed class TaskManagerTests : IDisposable
{
    private readonly ClientJournal _journal = new();
    private readonly RecordingConsumer _consumer;
    private readonly TaskManager _tasks;
    private readonly string _stateDir = Path.Combine(Path.GetTempPath(), "task-manager-" + Guid.NewGuid().ToString("N"));

    public TaskManagerTests()
    {
        _consumer = new RecordingConsumer(_journal);
        var builder = new StreamsBuilder();
        builder.Stream("clicks", Serdes.String, Serdes.String).Merge(builder.Stream("orders", Serdes.String, Serdes.String)).To("out", Serdes.String, Serdes.String);
        (_, _tasks) = Create(builder.Build());
    }

    private (TopicPlan Plan, TaskManager Tasks) Create(
        Graph.Topology topology, int bufferedRecordsPerPartition = 1000, IRecordCollector? collector = null, RecordingChangelogReader? reader = null)
    {
        var config = new StreamsConfig { ApplicationId = "tm", BootstrapServers = "unused:9092", StateDir = _stateDir, BufferedRecordsPerPartition = bufferedRecordsPerPartition };
        var plan = TopicPlan.PrepareAsync(topology, config, new CountingAdmin(4), CancellationToken.None).GetAwaiter().GetResult();
        var metrics = new StreamsMetrics();
        collector ??= new DiscardingCollector();
        return (plan, new TaskManager(
            config, plan, id => new StreamTask(id, topology, config, collector, TimeProvider.System, metrics, NullLogger.Instance),
            new ChangelogRestorer(reader ?? new RecordingChangelogReader(_journal), metrics, NullLogger.Instance), (_, _) => null, metrics, NullLogger.Instance, "thread-0"));
    }

    public void Dispose()
    {
        foreach (var task in _tasks.All())
        {
            _tasks.Close(task, clean: false);
        }

        if (Directory.Exists(_stateDir))
        {
            Directory.Delete(_stateDir, recursive: true);
        }
    }

    private static ConsumeResult<byte[], byte[]> Record(string topic, int partition, long offset, long timestamp = 1_000) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset(topic, partition, offset),
        Message = new Message<byte[], byte[]>
        {
            Key = Encoding.UTF8.GetBytes("k"), Value = Encoding.UTF8.GetBytes($"{topic}@{timestamp}"), Timestamp = new Timestamp(timestamp, TimestampType.CreateTime),
        },
    };

    [Fact]
    public void An_assignment_makes_a_task_per_anchor_partition_and_adds_the_co_partitioned_partitions_to_the_consumer()
    {
        _tasks.HandleAssigned([new TopicPartition("clicks", 0), new TopicPartition("clicks", 2)]);
        _tasks.ApplyAssignmentChanges(_consumer);

        var tasks = _tasks.Describe().OrderBy(t => t.Id).ToList();
        Assert.Equal([new TaskId(0, 0), new TaskId(0, 2)], tasks.Select(t => t.Id));
        Assert.Equal(["clicks-0", "orders-0"], tasks[0].Partitions);
        Assert.All(tasks, task => Assert.False(task.Running));
        // Not paused yet: a pause right after an assignment can overtake librdkafka's start of the partition's fetcher.
        Assert.Equal(["consumer.IncrementalAssign(orders [[0]], orders [[2]])"], _journal.Calls);
        Assert.True(_tasks.HasPendingRestoration);
    }

    [Fact]
    public void Assigned_tasks_open_a_budget_at_a_time_so_the_thread_polls_between_them_and_one_revoked_before_its_turn_is_dropped()
    {
        _tasks.HandleAssigned([new TopicPartition("clicks", 0), new TopicPartition("clicks", 1), new TopicPartition("clicks", 2)]);

        _tasks.BeginRestoration(TimeSpan.Zero);
        Assert.Equal([true, false, false], _tasks.Describe().OrderBy(t => t.Id).Select(t => t.Running));

        var revoked = Assert.Single(_tasks.TasksOf([new TopicPartition("clicks", 1)]));
        _tasks.Close(revoked, clean: true);
        _tasks.BeginRestoration(TimeSpan.Zero);

        Assert.Equal([new TaskId(0, 0), new TaskId(0, 2)], _tasks.Describe().Select(t => t.Id).Order());
        Assert.All(_tasks.Describe(), task => Assert.True(task.Running));
        Assert.False(_tasks.HasPendingRestoration);
    }

    [Fact]
    public void Restoration_waits_until_every_newly_assigned_task_is_open()
    {
        var (tasks, reader) = CountingTasks();
        reader.Changelogs[new TopicPartition("tm-counts-changelog", 0)] = (0, [(Encoding.UTF8.GetBytes("a"), Counted(1))]);
        reader.Changelogs[new TopicPartition("tm-counts-changelog", 1)] = (0, []);
        tasks.HandleAssigned([new TopicPartition("clicks", 0), new TopicPartition("clicks", 1)]);

        tasks.BeginRestoration(TimeSpan.Zero);
        tasks.AdvanceRestoration(100, CancellationToken.None);
        Assert.Equal([false, false], tasks.Describe().OrderBy(t => t.Id).Select(t => t.Running));

        tasks.BeginRestoration(TimeSpan.Zero);
        tasks.AdvanceRestoration(100, CancellationToken.None);
        Assert.Equal([true, true], tasks.Describe().OrderBy(t => t.Id).Select(t => t.Running));
        foreach (var active in tasks.All())
        {
            tasks.Close(active, clean: false);
        }
    }

    [Fact]
    public void A_task_revoked_before_it_opened_and_assigned_again_restores_to_its_changelog_end_as_it_is_then_not_as_read_ahead()
    {
        var (tasks, reader) = CountingTasks();
        var changelog = new TopicPartition("tm-counts-changelog", 1);
        reader.Changelogs[new TopicPartition("tm-counts-changelog", 0)] = (0, []);
        reader.Changelogs[changelog] = (0, [(Encoding.UTF8.GetBytes("a"), Counted(1))]);

        tasks.HandleAssigned([new TopicPartition("clicks", 0), new TopicPartition("clicks", 1)]);
        tasks.BeginRestoration(TimeSpan.Zero);
        tasks.Close(Assert.Single(tasks.TasksOf([new TopicPartition("clicks", 1)])), clean: true);
        // Meanwhile another instance ran the task and counted on.
        reader.Changelogs[changelog].Records.Add((Encoding.UTF8.GetBytes("a"), Counted(2)));
        tasks.HandleAssigned([new TopicPartition("clicks", 1)]);
        tasks.BeginRestoration(TimeSpan.MaxValue);
        while (tasks.HasPendingRestoration)
        {
            tasks.AdvanceRestoration(100, CancellationToken.None);
        }

        var reassigned = Assert.Single(tasks.TasksOf([new TopicPartition("clicks", 1)]));
        Assert.True(reassigned.Running);
        Assert.Equal(1, reassigned.ChangelogOffsets["counts"]);
        foreach (var active in tasks.All())
        {
            tasks.Close(active, clean: false);
        }
    }

    /// <summary>A task manager of a topology counting clicks per key in a logged store, with the changelog reader it restores through.</summary>
    private (TaskManager Tasks, RecordingChangelogReader Reader) CountingTasks()
    {
        var builder = new StreamsBuilder();
        builder.Stream("clicks", Serdes.String, Serdes.String).GroupByKey().Count(Materialized.As("counts"));
        var reader = new RecordingChangelogReader(_journal);
        return (Create(builder.Build(), reader: reader).Tasks, reader);
    }

    private static byte[] Counted(long count) => Serdes.Int64.Serialize(count, default);

    [Fact]
    public void Sub_topologies_of_equal_partition_count_share_one_anchor_so_each_anchor_partition_brings_a_task_of_each()
    {
        var builder = new StreamsBuilder();
        builder.Stream("clicks", Serdes.String, Serdes.String).Merge(builder.Stream("orders", Serdes.String, Serdes.String)).To("out", Serdes.String, Serdes.String);
        builder.Stream("items", Serdes.String, Serdes.String).To("item-out", Serdes.String, Serdes.String);
        var (plan, tasks) = Create(builder.Build());

        Assert.Equal(["clicks"], plan.AnchorTopics);
        tasks.HandleAssigned([new TopicPartition("clicks", 1)]);
        tasks.ApplyAssignmentChanges(_consumer);

        Assert.Equal([new TaskId(0, 1), new TaskId(1, 1)], tasks.Describe().Select(t => t.Id).Order());
        Assert.Equal(["consumer.IncrementalAssign(orders [[1]], items [[1]])"], _journal.Calls);
        var revoked = tasks.TasksOf([new TopicPartition("clicks", 1)]);
        Assert.Equal(2, revoked.Count);
        foreach (var task in revoked)
        {
            tasks.Close(task, clean: false);
        }
    }

    [Fact]
    public void A_record_of_a_restoring_task_is_put_back_and_processed_once_the_task_runs_and_each_partition_remembers_its_next_offset()
    {
        _consumer.Assignment.Add(new TopicPartition("clicks", 1));   // what the rebalance itself assigned
        _tasks.HandleAssigned([new TopicPartition("clicks", 1)]);

        // A restoring task's record: not processed, the partition paused and rewound to it.
        Assert.False(_tasks.Process(Record("clicks", 1, 5), _consumer));
        Assert.Empty(_tasks.ConsumedOffsets());
        Assert.Equal(["consumer.Pause(clicks [[1]])", "consumer.Seek(clicks [[1]] @5)"], _journal.Calls);

        _journal.Calls.Clear();
        _tasks.BeginRestoration(TimeSpan.MaxValue);
        _tasks.ApplyAssignmentChanges(_consumer);
        Assert.Contains("consumer.Resume(clicks [[1]])", _journal.Calls);
        Assert.True(_tasks.Process(Record("clicks", 1, 5), _consumer));
        Assert.True(_tasks.Process(Record("orders", 1, 9), _consumer));
        Assert.False(_tasks.Process(Record("clicks", 3, 0), _consumer), "no task of this thread owns clicks-3");
        Assert.False(_tasks.ProcessBuffered(_consumer, _ => 0));

        Assert.Equal(
            [new TopicPartitionOffset("clicks", 1, 6), new TopicPartitionOffset("orders", 1, 10)],
            _tasks.ConsumedOffsets().OrderBy(o => o.Topic));
        Assert.All(_tasks.Describe(), task => Assert.True(task.Running));
        Assert.False(_tasks.HasPendingRestoration);
    }

    [Fact]
    public void A_task_reading_two_partitions_processes_them_in_timestamp_order_and_pauses_a_partition_whose_buffer_is_full()
    {
        var output = new ValueCollector();
        var builder = new StreamsBuilder();
        builder.Stream("clicks", Serdes.String, Serdes.String).Merge(builder.Stream("orders", Serdes.String, Serdes.String)).To("out", Serdes.String, Serdes.String);
        var (_, tasks) = Create(builder.Build(), bufferedRecordsPerPartition: 2, output);
        tasks.HandleAssigned([new TopicPartition("clicks", 0)]);
        tasks.ApplyAssignmentChanges(_consumer);
        tasks.BeginRestoration(TimeSpan.MaxValue);
        _journal.Calls.Clear();

        tasks.Process(Record("clicks", 0, 0, timestamp: 10), _consumer);
        tasks.Process(Record("clicks", 0, 1, timestamp: 30), _consumer);
        Assert.Equal(["consumer.Pause(clicks [[0]])", "consumer.Seek(clicks [[0]] @2)"], _journal.Calls);
        Assert.True(tasks.ProcessBuffered(_consumer, partition => partition.Topic == "orders" ? 1 : 0), "orders has a record on its way");
        Assert.Empty(output.Values);

        tasks.Process(Record("orders", 0, 0, timestamp: 20), _consumer);
        Assert.False(tasks.ProcessBuffered(_consumer, _ => 0));
        Assert.Equal(["clicks@10", "orders@20", "clicks@30"], output.Values);
        Assert.Contains("consumer.Resume(clicks [[0]])", _journal.Calls);
        Assert.Equal([new TopicPartitionOffset("clicks", 0, 2), new TopicPartitionOffset("orders", 0, 1)], tasks.ConsumedOffsets().OrderBy(o => o.Topic));

        foreach (var task in tasks.All())
        {
            tasks.Close(task, clean: false);
        }
    }

    [Fact]
    public void Reviving_replaces_every_task_by_a_restoring_one_that_keeps_its_partitions_for_the_thread_to_rewind()
    {
        _consumer.Assignment.Add(new TopicPartition("clicks", 0));
        _tasks.HandleAssigned([new TopicPartition("clicks", 0)]);
        _tasks.ApplyAssignmentChanges(_consumer);
        _tasks.BeginRestoration(TimeSpan.MaxValue);
        _tasks.Process(Record("clicks", 0, 3), _consumer);
        _tasks.Process(Record("orders", 0, 7), _consumer);
        _tasks.ProcessBuffered(_consumer, _ => 0);
        Assert.NotEmpty(_tasks.ConsumedOffsets());
        _journal.Calls.Clear();

        var rewind = _tasks.ReviveAll();
        _tasks.ApplyAssignmentChanges(_consumer);

        Assert.Equal([new TopicPartition("clicks", 0), new TopicPartition("orders", 0)], rewind.OrderBy(p => p.Topic));
        var task = Assert.Single(_tasks.Describe());
        Assert.Equal(new TaskId(0, 0), task.Id);
        Assert.False(task.Running);
        Assert.True(_tasks.HasPendingRestoration);
        Assert.Empty(_tasks.ConsumedOffsets());
        Assert.Empty(_journal.Calls);
        Assert.True(_tasks.Owns(new TopicPartition("orders", 0)));
    }

    [Fact]
    public void Reviving_before_a_new_tasks_partitions_joined_the_assignment_leaves_them_queued_and_rewinds_only_what_is_read()
    {
        _consumer.Assignment.Add(new TopicPartition("clicks", 0));
        _tasks.HandleAssigned([new TopicPartition("clicks", 0)]);

        var rewind = _tasks.ReviveAll();
        _tasks.ApplyAssignmentChanges(_consumer);

        Assert.Equal([new TopicPartition("clicks", 0)], rewind);
        Assert.Equal(["consumer.IncrementalAssign(orders [[0]])"], _journal.Calls);
        Assert.True(_tasks.Owns(new TopicPartition("orders", 0)));
    }

    [Fact]
    public void Closing_a_task_forgets_its_offsets_and_takes_its_partitions_out_of_the_consumers_assignment()
    {
        _tasks.HandleAssigned([new TopicPartition("clicks", 0), new TopicPartition("clicks", 1)]);
        _tasks.ApplyAssignmentChanges(_consumer);
        _tasks.BeginRestoration(TimeSpan.MaxValue);
        _tasks.ApplyAssignmentChanges(_consumer);
        _tasks.Process(Record("clicks", 0, 3), _consumer);
        _tasks.Process(Record("clicks", 1, 4), _consumer);
        _tasks.ProcessBuffered(_consumer, _ => 0);
        _journal.Calls.Clear();

        var revoked = Assert.Single(_tasks.TasksOf([new TopicPartition("clicks", 0)]));
        _tasks.Close(revoked, clean: true);
        _tasks.ApplyAssignmentChanges(_consumer);

        Assert.Equal([new TaskId(0, 1)], _tasks.Describe().Select(t => t.Id));
        Assert.Equal([new TopicPartitionOffset("clicks", 1, 5)], _tasks.ConsumedOffsets());
        // clicks-0 itself leaves through the rebalance; the thread drops only the partitions it added.
        Assert.Equal(["consumer.IncrementalUnassign(orders [[0]])"], _journal.Calls);
        Assert.DoesNotContain(new TopicPartition("orders", 0), _consumer.Assignment);
    }

    /// <summary>Reports every topic with the same partition count; creating changes nothing.</summary>
    private sealed class CountingAdmin(int partitions) : ITopicAdmin
    {
        public Task<IReadOnlyDictionary<string, int>> PartitionCountsAsync(IEnumerable<string> topics, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyDictionary<string, int>>(topics.ToDictionary(topic => topic, _ => partitions));

        public Task CreateTopicsAsync(IEnumerable<TopicSpec> topics, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class ValueCollector : IRecordCollector
    {
        public List<string> Values { get; } = [];

        public void Send(string topic, byte[]? key, byte[]? value, Headers? headers, long timestamp, int? partition) => Values.Add(Encoding.UTF8.GetString(value!));
    }

    private sealed class DiscardingCollector : IRecordCollector
    {
        public void Send(string topic, byte[]? key, byte[]? value, Headers? headers, long timestamp, int? partition)
        {
        }
    }
}
