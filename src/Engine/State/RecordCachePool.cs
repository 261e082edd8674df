namespace Streams.Engine.State;

/// <summary>
/// What a stream thread's record caches hold their keys and values in: buffers and entries given back when a key leaves
/// a cache or a value is replaced, and handed out again for the next. A cached key lives as long as its store stays
/// cached, seconds: objects allocated per write lived long enough to be promoted through the collector's generations and
/// to die in the oldest, and in the full topology the collections that copied them paused the process for a sixth to a
/// quarter of its time. Buffer sizes come in four steps per power of two (32, 40, 48, 56, 64, 80, ...), so a buffer is at
/// most a quarter longer than what it holds, and a value replaced by one of about its size reuses the buffer its
/// predecessor gave back. Only what the caches could hold at once is kept: the budget in buffers, and as many
/// entries as fit in it.
/// </summary>
internal sealed class RecordCachePool(long maxBytes, int entryBytes)
{
    private const int Smallest = 32;

    /// <summary>Values longer than this get an array of their own, which is not kept when given back.</summary>
    private const int LargestPooled = 1 << 16;

    private readonly Stack<byte[]>[] _free = CreateFreeLists();
    private readonly Stack<RecordCacheEntry> _entries = new();
    private readonly long _maxEntries = maxBytes / entryBytes;
    private readonly Lock _sync = new();
    private long _freeBytes;

    /// <summary>The length of the buffer <paramref name="length"/> bytes are kept in, as charged to the cache's budget.</summary>
    public static int BufferLength(int length)
    {
        if (length <= Smallest)
        {
            return Smallest;
        }

        if (length > LargestPooled)
        {
            return length;
        }

        // A quarter of the power of two at or below the length is the step between sizes in that octave.
        var step = 1 << (31 - int.LeadingZeroCount(length) - 2);
        return (length + step - 1) & -step;
    }

    /// <summary>A copy of <paramref name="bytes"/> in a buffer of <see cref="BufferLength"/> bytes.</summary>
    public byte[] Copy(ReadOnlySpan<byte> bytes)
    {
        var buffer = Rent(bytes.Length);
        bytes.CopyTo(buffer);
        return buffer;
    }

    /// <summary>A buffer of <see cref="BufferLength"/>(<paramref name="length"/>) bytes; its contents are whatever it held before.</summary>
    public byte[] Rent(int length)
    {
        var bufferLength = BufferLength(length);
        if (bufferLength <= LargestPooled)
        {
            lock (_sync)
            {
                if (_free[Class(bufferLength)].TryPop(out var buffer))
                {
                    _freeBytes -= bufferLength;
                    return buffer;
                }
            }
        }

        return new byte[bufferLength];
    }

    /// <summary>
    /// Takes a buffer back. Once the free buffers hold the budget, further ones are left to the collector, so a shift in
    /// value sizes cannot pile up buffers of a size no longer asked for.
    /// </summary>
    public void Return(byte[] buffer)
    {
        if (buffer.Length > LargestPooled || buffer.Length != BufferLength(buffer.Length))
        {
            return;
        }

        lock (_sync)
        {
            if (_freeBytes + buffer.Length <= maxBytes)
            {
                _free[Class(buffer.Length)].Push(buffer);
                _freeBytes += buffer.Length;
            }
        }
    }

    /// <summary>An entry with no key, no value and nothing set.</summary>
    public RecordCacheEntry RentEntry()
    {
        lock (_sync)
        {
            if (_entries.TryPop(out var entry))
            {
                return entry;
            }
        }

        return new RecordCacheEntry();
    }

    /// <summary>Takes back an entry whose buffers have been given back and that no cache refers to any more.</summary>
    public void Return(RecordCacheEntry entry)
    {
        entry.Reset();
        lock (_sync)
        {
            if (_entries.Count < _maxEntries)
            {
                _entries.Push(entry);
            }
        }
    }

    /// <summary>The free list of a buffer length: four per octave, counted from <see cref="Smallest"/>.</summary>
    private static int Class(int bufferLength)
    {
        var octave = 31 - int.LeadingZeroCount(bufferLength);
        var quarter = (bufferLength >> (octave - 2)) & 3;
        return ((octave - 5) * 4) + quarter;
    }

    private static Stack<byte[]>[] CreateFreeLists()
    {
        var lists = new Stack<byte[]>[Class(LargestPooled) + 1];
        for (var i = 0; i < lists.Length; i++)
        {
            lists[i] = new Stack<byte[]>();
        }

        return lists;
    }
}
