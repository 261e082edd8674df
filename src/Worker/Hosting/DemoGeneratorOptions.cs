namespace Personalization.Worker.Hosting;

/// <summary>Section "Generator": the demo traffic on the embedded default.</summary>
internal sealed class DemoGeneratorOptions
{
    /// <summary>Run the generator (embedded default only).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Records per second, about: the traffic is replayed in real time (event time is wall-clock time).</summary>
    public double Rate { get; set; } = 300;

    public int Users { get; set; } = 10_000;

    public int Seed { get; set; } = 42;

    /// <summary>Catalog changes (price drops and rises, stock-outs, restocks) per minute; enough that a newcomer sees triggers within a minute.</summary>
    public double CatalogChangesPerMinute { get; set; } = 120;
}
