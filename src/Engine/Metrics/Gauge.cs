namespace Streams.Engine.Metrics;

/// <summary>A value that goes up and down.</summary>
public sealed class Gauge
{
    private double _value;

    /// <summary>The current value.</summary>
    public double Value => Volatile.Read(ref _value);

    /// <summary>Sets the value.</summary>
    public void Set(double value) => Volatile.Write(ref _value, value);
}
