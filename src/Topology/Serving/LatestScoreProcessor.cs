using Personalization.Topology.Features;
using Streams.Engine.Processor;
using Streams.Engine.State;

namespace Personalization.Topology.Serving;

/// <summary>
/// Keeps each user's latest fraud and propensity scores for the query API: the same scores the score topics carry, so
/// that a query answers what a consumer of those topics last read. A forgotten user's scores are deleted.
/// </summary>
public sealed class LatestScoreProcessor : IProcessor<string, ScoringOutput, string, ScoringOutput>
{
    public const string Store = "latest-scores";

    private IKeyValueStore<string, LatestScores> _store = null!;

    public void Init(IProcessorContext<string, ScoringOutput> context) =>
        _store = context.GetStateStore<IKeyValueStore<string, LatestScores>>(Store);

    public void Process(Record<string, ScoringOutput> record)
    {
        if (record.Key is not { } user || record.Value is not { } output)
        {
            return;
        }

        if (output.Features is null)
        {
            _store.Delete(user);
            return;
        }

        if (output.Fraud is null && output.Propensity is null)
        {
            return;
        }

        var latest = _store.Get(user);
        _store.Put(user, new LatestScores(output.Fraud ?? latest?.Fraud, output.Propensity ?? latest?.Propensity));
    }

    public void Close()
    {
    }
}
