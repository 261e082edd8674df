using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Streams.Engine.Metrics;
using Streams.Engine.Processor;
using Streams.Engine.Runtime;
using Streams.Engine.State;

namespace Streams.Engine.Tests.Runtime;

/// <summary>
/// The restorer's bookkeeping on a changelog-reader double that serves changelog partitions from memory: where reading
/// starts and stops, slices, one changelog at a time, cancellation, progress, and the checks on a checkpoint. Restoring
/// real stores from a broker, and readiness waiting for it, are tested end to end.
/// </summary>
public sealed class ChangelogRestorerTests
{
    private static readonly TopicPartition ChangelogA = new("app-a-changelog", 0);
    private static readonly TopicPartition ChangelogB = new("app-b-changelog", 1);
    private static readonly TaskId TaskA = new(0, 0);
    private static readonly TaskId TaskB = new(0, 1);

    private readonly ClientJournal _journal = new();
    private readonly RecordingChangelogReader _reader;
    private readonly StreamsMetrics _metrics = new();
    private readonly ChangelogRestorer _restorer;

    public ChangelogRestorerTests()
    {
        _reader = new RecordingChangelogReader(_journal);
        _restorer = new ChangelogRestorer(_reader, _metrics, NullLogger.Instance);
    }

    private void Changelog(TopicPartition partition, long start, int count, params long[] markers)
    {
        var records = Enumerable.Range(0, count)
            .Select(i => markers.Contains(start + i) ? null : ((byte[] Key, byte[]? Value)?)(Bytes($"k{start + i}"), Bytes($"v{start + i}")))
            .ToList();
        _reader.Changelogs[partition] = (start, records);
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private double Remaining(string store, TaskId task) => _metrics.Gauge(RuntimeMetrics.RestoreRemaining, store, task.ToString()).Value;

    [Fact]
    public void A_store_is_restored_from_its_checkpoint_to_the_end_the_changelog_had_at_the_start_and_completes_with_the_last_offset()
    {
        Changelog(ChangelogA, start: 0, count: 10);
        var store = new RecordingStore("a");
        long? completedAt = -1;

        _restorer.Begin(store, TaskA, ChangelogA, startOffset: 4, offset => completedAt = offset);
        Assert.Equal(6, Remaining("a", TaskA));
        _reader.Changelogs[ChangelogA].Records.Add((Bytes("written later"), Bytes("v")));
        _restorer.Advance(maxRecords: 100, CancellationToken.None);

        Assert.Equal(9, completedAt);
        Assert.Equal(["k4", "k5", "k6", "k7", "k8", "k9"], store.Keys);
        Assert.Equal(0, Remaining("a", TaskA));
        Assert.Equal(6, _metrics.CounterValue(RuntimeMetrics.RestoredRecords, "a", TaskA.ToString()));
        Assert.Null(_reader.Reading);
    }

    [Fact]
    public void Each_call_applies_at_most_the_records_it_is_given_so_the_thread_returns_to_its_other_tasks()
    {
        Changelog(ChangelogA, start: 0, count: 10);
        var store = new RecordingStore("a");
        var completed = false;
        _restorer.Begin(store, TaskA, ChangelogA, startOffset: null, _ => completed = true);

        _restorer.Advance(maxRecords: 4, CancellationToken.None);
        Assert.False(completed);
        _restorer.Advance(maxRecords: 4, CancellationToken.None);
        Assert.False(completed);
        _restorer.Advance(maxRecords: 4, CancellationToken.None);

        Assert.True(completed);
        Assert.Equal(10, store.Keys.Count);
    }

    [Fact]
    public void Changelogs_are_read_one_at_a_time_in_the_order_their_restorations_began()
    {
        Changelog(ChangelogA, start: 0, count: 3);
        Changelog(ChangelogB, start: 0, count: 2);
        var completions = new List<string>();

        _restorer.Begin(new RecordingStore("a"), TaskA, ChangelogA, startOffset: null, _ => completions.Add("a"));
        _restorer.Begin(new RecordingStore("b"), TaskB, ChangelogB, startOffset: null, _ => completions.Add("b"));
        Assert.Equal(ChangelogA, _reader.Reading);
        Assert.Equal(2, Remaining("b", TaskB));

        _restorer.Advance(maxRecords: 100, CancellationToken.None);

        Assert.Equal(["a", "b"], completions);
        var reads = _journal.Calls.Where(c => c.StartsWith("reader.Start", StringComparison.Ordinal) || c.StartsWith("reader.Stop", StringComparison.Ordinal)).ToList();
        Assert.Equal([$"reader.Start({ChangelogA})", $"reader.Stop({ChangelogA})", $"reader.Start({ChangelogB})", $"reader.Stop({ChangelogB})"], reads);
    }

    [Fact]
    public void The_changelog_next_in_line_is_fetched_ahead_while_one_is_read_and_a_cancelled_one_no_longer()
    {
        var changelogC = new TopicPartition("app-c-changelog", 2);
        var taskC = new TaskId(0, 2);
        Changelog(ChangelogA, start: 0, count: 3);
        Changelog(ChangelogB, start: 0, count: 2);
        Changelog(changelogC, start: 0, count: 2);
        _restorer.Begin(new RecordingStore("a"), TaskA, ChangelogA, startOffset: null, _ => { });
        _restorer.Begin(new RecordingStore("b"), TaskB, ChangelogB, startOffset: null, _ => { });
        _restorer.Begin(new RecordingStore("c"), taskC, changelogC, startOffset: null, _ => { });
        Assert.Equal((ChangelogA, ChangelogB), (_reader.Reading, _reader.Ahead));

        _restorer.Cancel(TaskB);
        Assert.Equal((ChangelogA, changelogC), (_reader.Reading, _reader.Ahead));

        _restorer.Advance(maxRecords: 100, CancellationToken.None);
        Assert.Equal((null, null), (_reader.Reading, _reader.Ahead));
    }

    [Fact]
    public void A_store_at_the_end_of_its_changelog_completes_at_once_with_its_checkpoint()
    {
        Changelog(ChangelogA, start: 0, count: 5);
        long? completedAt = -1;

        _restorer.Begin(new RecordingStore("a"), TaskA, ChangelogA, startOffset: 5, offset => completedAt = offset);

        Assert.Equal(4, completedAt);
        Assert.Null(_reader.Reading);
        Assert.Equal(0, Remaining("a", TaskA));
    }

    [Fact]
    public void An_empty_changelog_completes_at_once_with_no_offset()
    {
        Changelog(ChangelogA, start: 0, count: 0);
        long? completedAt = -1;

        _restorer.Begin(new RecordingStore("a"), TaskA, ChangelogA, startOffset: null, offset => completedAt = offset);

        Assert.Null(completedAt);
    }

    [Fact]
    public void A_changelog_ending_in_transaction_markers_completes_at_the_last_record_it_holds()
    {
        Changelog(ChangelogA, start: 0, count: 6, markers: [4, 5]);
        var store = new RecordingStore("a");
        long? completedAt = -1;

        _restorer.Begin(store, TaskA, ChangelogA, startOffset: null, offset => completedAt = offset);
        _restorer.Advance(maxRecords: 100, CancellationToken.None);

        Assert.Equal(3, completedAt);
        Assert.Equal(["k0", "k1", "k2", "k3"], store.Keys);
    }

    [Fact]
    public void A_changelog_whose_start_moved_past_the_checkpoint_is_read_from_its_start()
    {
        Changelog(ChangelogA, start: 100, count: 3);
        var store = new RecordingStore("a");
        long? completedAt = -1;

        _restorer.Begin(store, TaskA, ChangelogA, startOffset: 40, offset => completedAt = offset);
        _restorer.Advance(maxRecords: 100, CancellationToken.None);

        Assert.Equal(102, completedAt);
        Assert.Equal(["k100", "k101", "k102"], store.Keys);
    }

    [Fact]
    public void Cancelling_a_task_drops_its_restorations_and_the_next_store_goes_on()
    {
        Changelog(ChangelogA, start: 0, count: 10);
        Changelog(ChangelogB, start: 0, count: 2);
        var storeA = new RecordingStore("a");
        var completions = new List<string>();
        _restorer.Begin(storeA, TaskA, ChangelogA, startOffset: null, _ => completions.Add("a"));
        _restorer.Begin(new RecordingStore("b"), TaskB, ChangelogB, startOffset: null, _ => completions.Add("b"));
        _restorer.Advance(maxRecords: 3, CancellationToken.None);

        _restorer.Cancel(TaskA);
        Assert.Equal(0, Remaining("a", TaskA));
        Assert.NotEqual(ChangelogA, _reader.Reading);
        _restorer.Advance(maxRecords: 100, CancellationToken.None);

        Assert.Equal(["b"], completions);
        Assert.Empty(storeA.Keys);
    }

    [Fact]
    public void A_checkpoint_can_be_continued_only_from_within_the_changelog()
    {
        Changelog(ChangelogA, start: 10, count: 10);

        Assert.Null(_restorer.CheckpointMismatch(ChangelogA, checkpoint: 19));
        Assert.Null(_restorer.CheckpointMismatch(ChangelogA, checkpoint: 9));
        Assert.Contains("past the end", _restorer.CheckpointMismatch(ChangelogA, checkpoint: 20), StringComparison.Ordinal);
        Assert.Contains("starts at offset 10", _restorer.CheckpointMismatch(ChangelogA, checkpoint: 5), StringComparison.Ordinal);
    }

    [Fact]
    public void Watermarks_read_together_serve_each_store_once_and_a_later_restoration_of_the_changelog_reads_its_end_again()
    {
        Changelog(ChangelogA, start: 0, count: 5);
        Changelog(ChangelogB, start: 0, count: 3);
        var completions = new List<long?>();

        _restorer.ReadWatermarks([ChangelogA, ChangelogB]);
        Assert.Null(_restorer.CheckpointMismatch(ChangelogA, checkpoint: 2));
        _restorer.Begin(new RecordingStore("a"), TaskA, ChangelogA, startOffset: 3, completions.Add);
        _restorer.Begin(new RecordingStore("b"), TaskB, ChangelogB, startOffset: null, completions.Add);
        _restorer.Advance(maxRecords: 100, CancellationToken.None);
        Assert.Equal([4, 2], completions);
        Assert.Equal([$"reader.QueryWatermarkOffsets([{ChangelogA}, {ChangelogB}])"], Queries());

        _reader.Changelogs[ChangelogA].Records.Add((Bytes("written later"), Bytes("v")));
        _restorer.Begin(new RecordingStore("a"), TaskA, ChangelogA, startOffset: 5, completions.Add);
        _restorer.Advance(maxRecords: 100, CancellationToken.None);

        Assert.Equal(5, completions[^1]);
        Assert.Equal($"reader.QueryWatermarkOffsets({ChangelogA})", Queries()[^1]);
    }

    [Fact]
    public void Watermarks_of_tasks_revoked_before_they_opened_are_forgotten_and_a_changelog_left_out_of_a_batch_is_queried_alone_not_batched_again()
    {
        var missing = new TopicPartition("app-missing-changelog", 0);
        Changelog(ChangelogA, start: 0, count: 5);

        _restorer.ReadWatermarks([ChangelogA, missing]);
        _restorer.ReadWatermarks([ChangelogA, missing]);
        Changelog(missing, start: 0, count: 2);
        _restorer.ForgetWatermarks();
        _reader.Changelogs[ChangelogA].Records.Add((Bytes("written later"), Bytes("v")));

        Assert.Contains("past the end", _restorer.CheckpointMismatch(missing, checkpoint: 4), StringComparison.Ordinal);
        Assert.Null(_restorer.CheckpointMismatch(ChangelogA, checkpoint: 5));
        Assert.Equal(
            [$"reader.QueryWatermarkOffsets([{ChangelogA}, {missing}])", $"reader.QueryWatermarkOffsets({missing})", $"reader.QueryWatermarkOffsets({ChangelogA})"],
            Queries());
    }

    private List<string> Queries() => _journal.Calls.Where(c => c.StartsWith("reader.QueryWatermarkOffsets", StringComparison.Ordinal)).ToList();

    /// <summary>A store that keeps the keys of the batches restored into it, in order.</summary>
    private sealed class RecordingStore(string name) : IManagedStateStore
    {
        public List<string> Keys { get; } = [];

        public string Name { get; } = name;

        public bool IsPersistent => false;

        public bool IsLogged => true;

        public bool IsOpen => true;

        public long ApproximateCount => Keys.Count;

        public StoreType Type => StoreType.InMemory;

        public string? Directory => null;

        public void Init(StateStoreContext context)
        {
        }

        public void Restore(IReadOnlyList<KeyValuePair<byte[], byte[]?>> batch) => Keys.AddRange(batch.Select(entry => Encoding.UTF8.GetString(entry.Key)));

        public void Flush()
        {
        }

        public void Close()
        {
        }
    }
}
