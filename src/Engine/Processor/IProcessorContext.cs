using Streams.Engine.Metrics;
using Streams.Engine.State;

namespace Streams.Engine.Processor;

/// <summary>What a processor sees of its task: record metadata, time, stores and punctuation.</summary>
public interface IProcessorContext
{
    /// <summary>The application id (also the consumer group id and the prefix of internal topics).</summary>
    string ApplicationId { get; }

    /// <summary>The task this processor instance belongs to.</summary>
    TaskId TaskId { get; }

    /// <summary>
    /// Where the record being processed came from, or null while a punctuator runs (a punctuation has no source record).
    /// </summary>
    RecordMetadata? RecordMetadata { get; }

    /// <summary>The task's stream time: the largest record timestamp it has seen, or -1 before the first record.</summary>
    long CurrentStreamTimeMs { get; }

    /// <summary>Wall-clock time in milliseconds, as the task's clock reports it (controllable in the test driver).</summary>
    long CurrentSystemTimeMs { get; }

    /// <summary>The metrics of the running topology.</summary>
    StreamsMetrics Metrics { get; }

    /// <summary>
    /// A state store connected to this processor. Throws <see cref="InvalidOperationException"/> naming the store when
    /// it does not exist or was not connected to this processor.
    /// </summary>
    TStore GetStateStore<TStore>(string name) where TStore : class, IStateStore;

    /// <summary>
    /// Schedules <paramref name="punctuator"/> every <paramref name="interval"/> of stream time or of wall-clock time.
    /// The callback receives the time it fires at. Dispose the returned handle to cancel.
    /// </summary>
    /// <remarks>
    /// Stream-time punctuation fires after the record that moves stream time to or past the next due time, once even
    /// when stream time jumps several intervals; the due times stay on the grid that starts at the stream time when it was
    /// scheduled (or at the first record's timestamp if no record had been seen). Wall-clock punctuation fires between
    /// records, once per due interval, on the same grid starting at the wall-clock time of scheduling.
    /// </remarks>
    IDisposable Schedule(TimeSpan interval, PunctuationType type, Action<long> punctuator);

    /// <summary>Asks the runtime to commit as soon as possible after the current record.</summary>
    void RequestCommit();
}

/// <summary>A processor context that can forward records of the processor's output type to its children.</summary>
public interface IProcessorContext<TKeyOut, TValueOut> : IProcessorContext
{
    /// <summary>Sends a record to every child of the processor.</summary>
    void Forward(Record<TKeyOut, TValueOut> record);

    /// <summary>Sends a record to one child, by the child's node name.</summary>
    void Forward(Record<TKeyOut, TValueOut> record, string childName);
}
