using Streams.Engine.Metrics;

namespace Streams.Engine.Tests.Metrics;

public sealed class HistogramTests
{
    [Fact]
    public void Quantiles_interpolate_within_the_bucket_that_holds_them_as_prometheus_does()
    {
        var histogram = new Histogram([0.01, 0.1, 1]);
        Assert.True(double.IsNaN(histogram.Quantile(0.5)));

        for (var i = 0; i < 50; i++)
        {
            histogram.Observe(0.005);
        }

        for (var i = 0; i < 40; i++)
        {
            histogram.Observe(0.05);
        }

        for (var i = 0; i < 10; i++)
        {
            histogram.Observe(5);
        }

        Assert.Equal(0.005, histogram.Quantile(0.25), 9);               // a quarter of the way into [0, 0.01]
        Assert.Equal(0.01 + (0.09 * 30 / 40), histogram.Quantile(0.8), 9); // 30 of the 40 in (0.01, 0.1]
        Assert.Equal(1, histogram.Quantile(0.99), 9);                   // in the +Inf bucket: the last finite bound
    }

    [Fact]
    public void The_difference_of_two_snapshots_is_the_distribution_of_what_was_observed_in_between()
    {
        var histogram = new Histogram([0.01, 0.1, 1]);
        for (var i = 0; i < 1000; i++)
        {
            histogram.Observe(0.5);
        }

        var before = histogram.Snapshot();
        for (var i = 0; i < 10; i++)
        {
            histogram.Observe(0.005);
        }

        var recent = histogram.Snapshot().Minus(before);
        Assert.Equal(10, recent.Count);
        Assert.Equal(0.0095, recent.Quantile(0.95), 9);
        Assert.True(histogram.Quantile(0.95) > 0.1, "since the start, the slow observations dominate");
    }
}
