using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Personalization.Simulation;
using Personalization.Topology.Features;
using Personalization.Topology.Scoring;

namespace Personalization.Bench.Scenarios;

/// <summary>
/// Does batch scoring pay? The same feature vectors through a prediction engine one row at a time, and through
/// ML.NET's batch path (an IDataView transformed at once) in batches of 64 and 1,024.
/// </summary>
internal static class ScoringBatchScenario
{
    public static IReadOnlyList<ScenarioResult> Run(int rows)
    {
        var context = new MLContext(seed: 0);
        using var stream = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "models", "propensity-v1.zip"));
        var model = context.Model.Load(stream, out var schema);

        // The shipped model may predate the latest features: it takes the vector's leading values, as serving gives it.
        var length = ((VectorDataViewType)schema[nameof(ModelInput.Features)].Type).Size;
        var vectors = Vectors(rows).Select(v => v[..length]).ToArray();
        var input = SchemaDefinition.Create(typeof(ModelInput));
        input[nameof(ModelInput.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, length);

        var single = Measure("prediction-engine", rows, () =>
        {
            using var engine = context.Model.CreatePredictionEngine<ModelInput, ModelOutput>(model, inputSchemaDefinition: input);
            var output = new ModelOutput();
            var row = new ModelInput();
            var sum = 0.0;
            foreach (var vector in vectors)
            {
                row.Features = vector;
                engine.Predict(row, ref output);
                sum += output.Probability;
            }

            GC.KeepAlive(sum);
        });
        var results = new List<ScenarioResult> { single };
        foreach (var batch in new[] { 64, 1024 })
        {
            var batched = Measure($"data-view-batch-{batch}", rows, () =>
            {
                var sum = 0.0;
                for (var start = 0; start < vectors.Length; start += batch)
                {
                    var inputs = vectors.Skip(start).Take(batch).Select(v => new ModelInput { Features = v });
                    var scored = model.Transform(context.Data.LoadFromEnumerable(inputs, input));
                    sum += scored.GetColumn<float>(nameof(ModelOutput.Probability)).Sum();
                }

                GC.KeepAlive(sum);
            });
            results.Add(batched with { Ratio = batched.EventsPerSecond / single.EventsPerSecond, Baseline = single.Variant });
        }

        return results;
    }

    private static float[][] Vectors(int rows)
    {
        var state = new InMemoryFeatureState();
        var vectors = new List<float[]>(rows);
        foreach (var record in new ClickstreamGenerator(new GeneratorOptions { Users = 5_000, Seed = 9 }))
        {
            if (record.Event is not { } e || !FeatureCalculator.Observe(state, e, out var profile))
            {
                continue;
            }

            state.PutProfile(e.UserId, profile);
            vectors.Add(FeatureVector.Of(FeatureCalculator.Compute(state, e.UserId, profile)));
            if (vectors.Count == rows)
            {
                break;
            }
        }

        return vectors.ToArray();
    }

    private static ScenarioResult Measure(string variant, int rows, Action run)
    {
        run();
        var stopwatch = Stopwatch.StartNew();
        run();
        return new ScenarioResult
        {
            Scenario = "scoring",
            Variant = variant,
            Events = rows,
            Seconds = stopwatch.Elapsed.TotalSeconds,
            PeakWorkingSetMb = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0,
        };
    }
}
