using System.Globalization;

namespace Personalization.Training.Evaluation;

/// <summary>A held-out figure and its 95 % bootstrap interval.</summary>
public readonly record struct MetricInterval(double Value, double Lower, double Upper)
{
    /// <summary>The interval lies wholly above zero: for a difference, better beyond the resampling noise.</summary>
    public bool AboveZero => Lower > 0;

    public string Format(string format) =>
        string.Format(CultureInfo.InvariantCulture, "{0} [{1}, {2}]", Value.ToString(format, CultureInfo.InvariantCulture),
            Lower.ToString(format, CultureInfo.InvariantCulture), Upper.ToString(format, CultureInfo.InvariantCulture));
}
