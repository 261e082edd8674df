namespace Streams.Engine.State;

/// <summary>RocksDB memory across the process's open databases, in bytes.</summary>
public sealed record RocksDbMemoryReport(int Databases, long Memtables, long TableReaders, long PinnedBlocks, long CacheUsage);
