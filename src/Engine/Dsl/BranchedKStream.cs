using Streams.Engine.Dsl.Processors;

namespace Streams.Engine.Dsl;

/// <summary>
/// A stream being split: each record goes to the first branch whose predicate it satisfies, or to the default branch.
/// Branch streams are named <c>&lt;split name&gt;-&lt;branch name&gt;</c> (or a number when unnamed).
/// </summary>
public sealed class BranchedKStream<TKey, TValue>
{
    private readonly KStream<TKey, TValue> _parent;
    private readonly string _splitNode;
    private readonly List<(string Node, Func<TKey, TValue, bool>? Predicate)> _branches;
    private readonly Dictionary<string, KStream<TKey, TValue>> _streams = [];
    private bool _closed;

    internal BranchedKStream(KStream<TKey, TValue> parent, string splitNode, List<(string Node, Func<TKey, TValue, bool>? Predicate)> branches)
    {
        _parent = parent;
        _splitNode = splitNode;
        _branches = branches;
    }

    /// <summary>Adds a branch for the records that satisfy <paramref name="predicate"/> and no earlier branch.</summary>
    public BranchedKStream<TKey, TValue> Branch(Func<TKey, TValue, bool> predicate, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        AddBranch(predicate, name);
        return this;
    }

    /// <summary>Ends the split with a branch for every record no other branch took; returns the branches by name.</summary>
    public IReadOnlyDictionary<string, KStream<TKey, TValue>> DefaultBranch(string? name = null)
    {
        AddBranch(null, name ?? "default");
        _closed = true;
        return _streams;
    }

    /// <summary>Ends the split; records no branch took are dropped. Returns the branches by name.</summary>
    public IReadOnlyDictionary<string, KStream<TKey, TValue>> NoDefaultBranch()
    {
        _closed = true;
        return _streams;
    }

    private void AddBranch(Func<TKey, TValue, bool>? predicate, string? name)
    {
        if (_closed)
        {
            throw new InvalidOperationException($"Split '{_splitNode}' is already closed.");
        }

        var node = $"{_splitNode}-{name ?? (_branches.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        _parent.Builder.Topology.AddProcessor(node, () => new DelegateProcessor<TKey, TValue, TKey, TValue>((record, context) => context.Forward(record)), _splitNode);
        _branches.Add((node, predicate));
        _streams[node] = new KStream<TKey, TValue>(_parent.Builder, node, _parent.KeySerde, _parent.ValueSerde, _parent.RepartitionRequired);
    }
}
