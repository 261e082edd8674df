using Streams.Engine.Processor;

namespace Streams.Engine.Runtime;

/// <summary>
/// Consumer lag of one input partition: records between the position and the end of the log, and in seconds the age
/// (by wall clock) of the last processed record's event time while records are waiting (0 when caught up).
/// </summary>
public sealed record PartitionLag(string Topic, int Partition, long Records, double Seconds, long Position, long EndOffset, TaskId Task);
