using System.Collections;

namespace Personalization.Topology.Features;

/// <summary>
/// The distinct strings of one minute or one session, in the order first seen, at most
/// <see cref="FeatureTile.MaxDistinctValues"/> of them (later ones are ignored). Every event's feature read
/// deserializes dozens of these, nearly all holding one to three values, so they are a plain array searched
/// in order, allocated with the first value, rather than a hash set with its buckets and entries.
/// </summary>
public sealed class DistinctValues : IReadOnlyCollection<string>
{
    private string[]? _values;
    private int _count;

    public int Count => _count;

    /// <summary>The values in the order first seen.</summary>
    public ReadOnlySpan<string> Values => _values.AsSpan(0, _count);

    /// <summary>Adds the value unless it is already here or the set is full; returns whether it was added.</summary>
    public bool Add(string value)
    {
        if (_count == FeatureTile.MaxDistinctValues || Contains(value))
        {
            return false;
        }

        if (_values is null || _count == _values.Length)
        {
            Array.Resize(ref _values, Math.Min(FeatureTile.MaxDistinctValues, Math.Max(2, _count * 2)));
        }

        _values[_count++] = value;
        return true;
    }

    /// <summary>Makes room for <paramref name="more"/> values beyond those held, up to the bound, at once rather than by doubling.</summary>
    public void Reserve(int more)
    {
        var capacity = Math.Min(FeatureTile.MaxDistinctValues, _count + more);
        if (capacity > (_values?.Length ?? 0))
        {
            Array.Resize(ref _values, capacity);
        }
    }

    public bool Contains(string value)
    {
        foreach (var known in Values)
        {
            if (string.Equals(known, value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Adds every value to <paramref name="union"/> (a horizon's or an hour's), without boxing an enumerator.</summary>
    public void AddTo(HashSet<string> union)
    {
        foreach (var value in Values)
        {
            union.Add(value);
        }
    }

    /// <summary>Empties the set, keeping its array for the next values.</summary>
    public void Clear()
    {
        if (_values is not null)
        {
            Array.Clear(_values, 0, _count);
        }

        _count = 0;
    }

    public ReadOnlySpan<string>.Enumerator GetEnumerator() => Values.GetEnumerator();

    IEnumerator<string> IEnumerable<string>.GetEnumerator()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return _values![i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable<string>)this).GetEnumerator();
}
