namespace Streams.Engine.Graph;

/// <summary>
/// Receives a node definition with its key and value types as type arguments, so a later layer (the task, which turns
/// definitions into running nodes) can work with them typed without the graph knowing that layer.
/// </summary>
internal interface INodeVisitor<out TResult>
{
    TResult VisitSource<TKey, TValue>(SourceDefinition<TKey, TValue> source);

    TResult VisitProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut>(ProcessorDefinition<TKeyIn, TValueIn, TKeyOut, TValueOut> processor);

    TResult VisitSink<TKey, TValue>(SinkDefinition<TKey, TValue> sink);
}
