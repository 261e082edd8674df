namespace Streams.Engine.Processor;

/// <summary>
/// A node of the processor graph. One instance exists per task, so a processor may keep per-partition state in fields;
/// state that must survive a restart belongs in a state store.
/// </summary>
public interface IProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut>
{
    /// <summary>Called once before the first record, after the task's stores are restored.</summary>
    void Init(IProcessorContext<TKeyOut, TValueOut> context)
    {
    }

    /// <summary>Processes one record; output goes through <see cref="IProcessorContext{TKeyOut, TValueOut}.Forward(Record{TKeyOut, TValueOut})"/>.</summary>
    void Process(Record<TKeyIn, TValueIn> record);

    /// <summary>Called once when the task closes. Stores are closed by the engine, not here.</summary>
    void Close()
    {
    }
}
