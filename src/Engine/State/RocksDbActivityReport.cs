namespace Streams.Engine.State;

/// <summary>
/// RocksDB's background work across the process's open databases: level-0 table files (summed, and in the database that
/// has the most), flushes and compactions running now, and the bytes compaction estimates it still has to rewrite.
/// </summary>
public sealed record RocksDbActivityReport(
    int Databases, long Level0Files, long MaxLevel0Files, long RunningFlushes, long RunningCompactions, long PendingCompactionBytes);
