using Streams.Engine.Processor;

namespace Streams.Engine.Dsl.Processors;

/// <summary>A stateless processor whose behaviour is one delegate: filter, map, flat-map, peek, branch, pass-through.</summary>
internal sealed class DelegateProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut>(
    Action<Record<TKeyIn, TValueIn>, IProcessorContext<TKeyOut, TValueOut>> body) : IProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut>
{
    private IProcessorContext<TKeyOut, TValueOut>? _context;

    public void Init(IProcessorContext<TKeyOut, TValueOut> context) => _context = context;

    public void Process(Record<TKeyIn, TValueIn> record) => body(record, _context!);
}
