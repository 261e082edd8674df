using Confluent.Kafka;

namespace Streams.Engine.Runtime;

/// <summary>
/// What the restorer reads changelogs with: one partition at a time, from an offset, in batches of keys and values
/// (restoring needs nothing else of a record).
/// </summary>
internal interface IChangelogReader : IDisposable
{
    /// <summary>The offset after the last record or transaction marker read, or the offset reading started at.</summary>
    long Position { get; }

    /// <summary>The offset of the last record <see cref="Read"/> returned.</summary>
    long LastRecordOffset { get; }

    WatermarkOffsets QueryWatermarkOffsets(TopicPartition partition, TimeSpan timeout);

    /// <summary>
    /// The watermarks of many partitions at once, in one request per leader for each end (a round trip per partition
    /// adds up when a pod takes over hundreds of changelogs); a partition whose offsets could not be listed is absent.
    /// </summary>
    IReadOnlyDictionary<TopicPartition, WatermarkOffsets> QueryWatermarkOffsets(IReadOnlyCollection<TopicPartition> partitions, TimeSpan timeout);

    /// <summary>Starts reading <paramref name="partition"/> at <paramref name="offset"/>, in place of whatever was read before.</summary>
    void Start(TopicPartition partition, long offset);

    /// <summary>
    /// Fetches <paramref name="partition"/> from <paramref name="offset"/> ahead, to be read next (null: none), so
    /// that <see cref="Start"/> with the same partition and offset finds its first records there.
    /// </summary>
    void Prefetch(TopicPartition? partition, long offset);

    /// <summary>Stops reading.</summary>
    void Stop();

    /// <summary>
    /// Appends up to <paramref name="max"/> records of the partition being read, those below offset
    /// <paramref name="until"/>, to <paramref name="batch"/> (a null value is a tombstone). Waits up to
    /// <paramref name="wait"/> only when nothing is buffered; returns how many it appended. Records from
    /// <paramref name="until"/> on are dropped: reading ends there, and <see cref="Position"/> stops at it.
    /// </summary>
    int Read(List<KeyValuePair<byte[], byte[]?>> batch, int max, long until, TimeSpan wait);
}
