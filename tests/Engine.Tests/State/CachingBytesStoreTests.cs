using System.Text;
using Streams.Engine.Metrics;
using Streams.Engine.State;

namespace Streams.Engine.Tests.State;

public sealed class CachingBytesStoreTests
{
    private readonly InMemoryBytesStore _below = new();

    [Fact]
    public void A_range_lays_cached_writes_and_deletions_over_the_store_in_key_order()
    {
        _below.Put(Key("a"), Value("stored-a"));
        _below.Put(Key("c"), Value("stored-c"));
        _below.Put(Key("e"), Value("stored-e"));
        using var cached = new CachingBytesStore(_below, Budget(1 << 20), () => 0);

        cached.Put(Key("b"), Value("cached-b"));
        cached.Put(Key("c"), Value("cached-c"));
        cached.Put(Key("e"), null);
        cached.Put(Key("f"), Value("cached-f"));

        Assert.Equal(["a=stored-a", "b=cached-b", "c=cached-c", "f=cached-f"], Read(cached.Range(null, null)));
        Assert.Equal(["b=cached-b", "c=cached-c"], Read(cached.Range(Key("b"), Key("e"))));
        Assert.Null(cached.Get(Key("e")));
        Assert.Equal("stored-e", Encoding.UTF8.GetString(_below.Get(Key("e"))!));
    }

    [Fact]
    public void Ranges_keep_seeing_cached_writes_made_after_the_first_range_read_and_after_the_cache_was_emptied()
    {
        using var cached = new CachingBytesStore(_below, Budget(1 << 20), () => 0);
        cached.Put(Key("m"), Value("1"));
        Assert.Equal(["m=1"], Read(cached.Range(null, null)));

        cached.Put(Key("a"), Value("2"));
        cached.Put(Key("z"), Value("3"));
        cached.DeleteRange(Key("m"), Key("n"));
        Assert.Equal(["a=2", "z=3"], Read(cached.Range(null, null)));

        cached.FlushCache();
        cached.Invalidate();
        cached.Put(Key("k"), Value("4"));
        Assert.Equal(["a=2", "k=4", "z=3"], Read(cached.Range(null, null)));
        Assert.Equal(["k=4"], Read(cached.Range(Key("b"), Key("y"))));
    }

    [Fact]
    public void A_flush_writes_each_changed_key_once_with_its_latest_value_and_a_deleted_range_stays_deleted()
    {
        using var cached = new CachingBytesStore(_below, Budget(1 << 20), () => 0);
        for (var i = 0; i < 100; i++)
        {
            cached.Put(Key("hot"), Value($"v{i}"));
        }

        cached.Put(Key("seg-1"), Value("expired"));
        cached.DeleteRange(Key("seg-0"), Key("seg-9"));
        Assert.Null(_below.Get(Key("hot")));

        cached.FlushCache();

        Assert.Equal(["hot=v99"], Read(_below.Range(null, null)));
        Assert.Equal(["hot=v99"], Read(cached.Range(null, null)));
    }

    [Fact]
    public void When_the_budget_is_full_the_largest_cache_is_written_out_and_emptied()
    {
        var budget = Budget(4_000);
        using var cached = new CachingBytesStore(_below, budget, () => 0);
        for (var i = 0; i < 100; i++)
        {
            cached.Put(Key($"k{i:D3}"), new byte[16]);
        }

        Assert.True(budget.Bytes <= budget.MaxBytes, $"{budget.Bytes} cached bytes over a budget of {budget.MaxBytes}");
        Assert.True(_below.ApproximateCount > 0, "evicted writes reached the store");
        cached.FlushCache();
        Assert.Equal(100, _below.ApproximateCount);
    }

    [Fact]
    public void Changes_a_failed_flush_could_not_write_stay_cached_and_are_written_by_the_next_flush()
    {
        var failing = new FailingOnceStore(_below);
        using var cached = new CachingBytesStore(failing, Budget(1 << 20), () => 0);
        cached.Put(Key("user"), Value("latest"));

        Assert.Throws<IOException>(cached.FlushCache);
        cached.FlushCache();

        Assert.Equal(["user=latest"], Read(_below.Range(null, null)));
    }

    [Fact]
    public void Arrays_a_caller_passes_in_or_gets_back_are_its_own_to_change()
    {
        using var cached = new CachingBytesStore(_below, Budget(1 << 20), () => 0);
        var key = Key("user");
        var value = Value("written");
        cached.Put(key, value);
        key[0] = (byte)'X';
        value[0] = (byte)'X';

        var read = cached.Get(Key("user"))!;
        read[0] = (byte)'X';

        Assert.Equal("written", Encoding.UTF8.GetString(cached.Get(Key("user"))!));
        Assert.Null(cached.Get(Key("Xser")));
    }

    [Fact]
    public void Keys_and_values_stay_exact_as_the_cache_reuses_its_memory_through_updates_deletions_and_evictions()
    {
        var budget = Budget(64 * 1024);
        using var cached = new CachingBytesStore(_below, budget, () => 0);
        var random = new Random(17);
        var expected = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (var round = 0; round < 20_000; round++)
        {
            var key = $"k{random.Next(500):D3}";
            switch (random.Next(10))
            {
                case 0:
                    cached.Put(Key(key), null);
                    expected.Remove(key);
                    break;
                case 1:
                    var other = $"k{random.Next(500):D3}";
                    var (from, to) = string.CompareOrdinal(key, other) <= 0 ? (key, other) : (other, key);
                    cached.DeleteRange(Key(from), Key(to));
                    foreach (var deleted in expected.Keys.Where(k => string.CompareOrdinal(k, from) >= 0 && string.CompareOrdinal(k, to) < 0).ToList())
                    {
                        expected.Remove(deleted);
                    }

                    break;
                case 2:
                    cached.FlushCache();
                    break;
                default:
                    var value = new string((char)('a' + random.Next(26)), random.Next(0, 300));
                    cached.Put(Key(key), Value(value));
                    expected[key] = value;
                    break;
            }

            if (round % 97 == 0)
            {
                var probe = $"k{random.Next(500):D3}";
                Assert.Equal(expected.GetValueOrDefault(probe), cached.Get(Key(probe)) is { } bytes ? Encoding.UTF8.GetString(bytes) : null);
            }
        }

        Assert.True(budget.Bytes <= budget.MaxBytes, $"{budget.Bytes} cached bytes over a budget of {budget.MaxBytes}");
        Assert.Equal(expected.Select(e => $"{e.Key}={e.Value}").ToArray(), Read(cached.Range(null, null)));
        cached.FlushCache();
        Assert.Equal(expected.Select(e => $"{e.Key}={e.Value}").ToArray(), Read(_below.Range(null, null)));
    }

    private static RecordCache Budget(long bytes) => new(bytes, new StreamsMetrics(), "thread-1");

    private static byte[] Key(string key) => Encoding.UTF8.GetBytes(key);

    private static byte[] Value(string value) => Encoding.UTF8.GetBytes(value);

    private static string[] Read(IEnumerable<KeyValuePair<byte[], byte[]>> entries) =>
        entries.Select(entry => $"{Encoding.UTF8.GetString(entry.Key)}={Encoding.UTF8.GetString(entry.Value)}").ToArray();

    /// <summary>A store whose first batch write fails, as a full disk or a closed producer would make it.</summary>
    private sealed class FailingOnceStore(IKeyValueBytesStore inner) : IKeyValueBytesStore
    {
        private bool _failed;

        public long ApproximateCount => inner.ApproximateCount;

        public byte[]? Get(byte[] key) => inner.Get(key);

        public void Put(byte[] key, byte[]? value) => inner.Put(key, value);

        public IEnumerable<KeyValuePair<byte[], byte[]>> Range(byte[]? from, byte[]? toExclusive) => inner.Range(from, toExclusive);

        public byte[]? LastKey() => inner.LastKey();

        public void DeleteRange(byte[] from, byte[] toExclusive) => inner.DeleteRange(from, toExclusive);

        public void WriteBatch(IReadOnlyList<KeyValuePair<byte[], byte[]?>> batch)
        {
            if (!_failed)
            {
                _failed = true;
                throw new IOException("disk full");
            }

            inner.WriteBatch(batch);
        }

        public void Flush() => inner.Flush();

        public void Dispose() => inner.Dispose();
    }
}
