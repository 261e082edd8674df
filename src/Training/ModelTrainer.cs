using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Trainers.FastTree;
using Personalization.Simulation;
using Personalization.Topology.Features;
using Personalization.Topology.Records;
using Personalization.Topology.Scoring;

namespace Personalization.Training;

/// <summary>
/// Trains the fraud and propensity models from a clickstream. Features come from the topology's own feature code,
/// replayed in event-time order, so each example sees exactly what serving would have seen at that moment; labels come
/// from what happened afterwards (a purchase within the horizon) or from the fraud label column. The split is by time:
/// the latest <see cref="TrainerOptions.HoldoutShare"/> of the range is held out.
/// </summary>
public sealed class ModelTrainer(TrainerOptions options)
{
    public IReadOnlyList<TrainedModel> Train(IEnumerable<LabeledEvent> input, string source, string modelDirectory, TextWriter log)
    {
        var events = input.OrderBy(e => e.Event.Timestamp).ToList();
        if (events.Count == 0)
        {
            throw new InvalidDataException($"{source} has no events.");
        }

        var purchases = events.Where(e => e.Event.Type == EventType.Purchase)
            .GroupBy(e => e.Event.UserId)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Event.Timestamp.ToUnixTimeMilliseconds()).Order().ToArray(), StringComparer.Ordinal);
        var hasFraudLabels = events.Any(e => e.IsFraudster is not null);

        var fraud = new List<Example>();
        var propensity = new List<Example>();
        var state = new InMemoryFeatureState();
        var lastPropensity = new Dictionary<string, long>(StringComparer.Ordinal);
        var horizonMs = (long)options.PurchaseHorizon.TotalMilliseconds;
        var intervalMs = (long)options.PropensityInterval.TotalMilliseconds;
        foreach (var (e, isFraudster) in events)
        {
            if (!FeatureCalculator.Observe(state, e, out var profile))
            {
                continue;
            }

            state.PutProfile(e.UserId, profile);
            var time = e.Timestamp.ToUnixTimeMilliseconds();
            var isFraudMoment = hasFraudLabels && UserScoringProcessor.IsFraudRisk(e.Type);
            var isPropensityMoment = !lastPropensity.TryGetValue(e.UserId, out var last) || time - last >= intervalMs;
            if (!isFraudMoment && !isPropensityMoment)
            {
                continue;
            }

            var vector = FeatureVector.Of(FeatureCalculator.Compute(state, e.UserId, profile));
            if (isFraudMoment)
            {
                fraud.Add(new Example(time, vector, isFraudster ?? false));
            }

            if (isPropensityMoment)
            {
                lastPropensity[e.UserId] = time;
                propensity.Add(new Example(time, vector, PurchasesWithin(purchases.GetValueOrDefault(e.UserId), time, horizonMs)));
            }
        }

        var data = new DataDescription(source, events.Count, events.Select(e => e.Event.UserId).Distinct().Count(), events[0].Event.Timestamp, events[^1].Event.Timestamp);
        var trained = new List<TrainedModel>();
        if (hasFraudLabels)
        {
            trained.Add(TrainOne(UserScoringProcessor.FraudModel, fraud, data, modelDirectory, log,
                "The user is a fraudster (the is_fraudster column), at each event that carries fraud risk (checkout, payment attempt or failure, purchase, address change, login)."));
        }
        else
        {
            log.WriteLine($"fraud: {source} has no is_fraudster column, so no fraud model is trained.");
        }

        trained.Add(TrainOne(UserScoringProcessor.PropensityModel, propensity, data, modelDirectory, log,
            $"The user purchases within {options.PurchaseHorizon.TotalMinutes:0} minutes after the scoring moment "
            + $"(at most one moment per user per {options.PropensityInterval.TotalSeconds:0} s of event time)."));
        return trained;
    }

    private static bool PurchasesWithin(long[]? purchaseTimes, long time, long horizonMs)
    {
        if (purchaseTimes is null)
        {
            return false;
        }

        var index = Array.BinarySearch(purchaseTimes, time);
        index = index < 0 ? ~index : index;
        while (index < purchaseTimes.Length && purchaseTimes[index] <= time)
        {
            index++;
        }

        return index < purchaseTimes.Length && purchaseTimes[index] <= time + horizonMs;
    }

    private TrainedModel TrainOne(string name, List<Example> examples, DataDescription data, string modelDirectory, TextWriter log, string labelDefinition)
    {
        if (examples.Count < 100)
        {
            throw new InvalidDataException($"{name}: only {examples.Count} examples; the clickstream is too small to train on.");
        }

        var cut = examples[0].Time + (long)((examples[^1].Time - examples[0].Time) * (1 - options.HoldoutShare));
        var train = Subsample(examples.Where(e => e.Time <= cut).ToList(), out var negativeWeight);
        var test = examples.Where(e => e.Time > cut).ToList();
        if (train.Count == 0 || test.Count == 0 || !train.Any(e => e.Label) || !test.Any(e => e.Label) || train.All(e => e.Label))
        {
            throw new InvalidDataException(
                $"{name}: the time split leaves a side without both classes "
                + $"({train.Count(e => e.Label)}/{train.Count} positive in training, {test.Count(e => e.Label)}/{test.Count} held out).");
        }

        var context = new MLContext(seed: options.Seed);
        var trainer = context.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
        {
            LabelColumnName = nameof(ModelInput.Label),
            FeatureColumnName = nameof(ModelInput.Features),
            ExampleWeightColumnName = nameof(TrainingRow.Weight),
            NumberOfTrees = options.Trees,
            NumberOfLeaves = options.Leaves,
            LearningRate = options.LearningRate,
            MinimumExampleCountPerLeaf = 20,
            Seed = options.Seed,
            NumberOfThreads = 1,
        });
        var model = trainer.Fit(context.Data.LoadFromEnumerable(train.Select(e => new TrainingRow { Features = e.Features, Label = e.Label, Weight = e.Label ? 1 : negativeWeight })));
        // Cached, so the held-out set is scored once for both the metrics and the recall at precision.
        var predictions = context.Data.Cache(model.Transform(context.Data.LoadFromEnumerable(test.Select(e => e.ToInput()))));
        var scored = context.Data.CreateEnumerable<ScoredRow>(predictions, reuseRowObject: false).ToList();
        var evaluation = context.BinaryClassification.Evaluate(predictions);
        var (recall, threshold) = RecallAtPrecision(scored, options.TargetPrecision);
        var metrics = new ModelMetrics(
            evaluation.AreaUnderRocCurve, evaluation.AreaUnderPrecisionRecallCurve, recall, options.TargetPrecision, threshold,
            train.Count, test.Count, WeightedPositiveRate(train, negativeWeight), test.Count(e => e.Label) / (double)test.Count);

        Directory.CreateDirectory(modelDirectory);
        var version = NextVersion(modelDirectory, name);
        var modelPath = Path.Combine(modelDirectory, $"{name}-{version}.zip");
        context.Model.Save(model, context.Data.LoadFromEnumerable(train.Take(1).Select(e => e.ToInput())).Schema, modelPath);
        var cardPath = Path.Combine(modelDirectory, $"{name}-{version}.md");
        File.WriteAllText(cardPath, Card(name, version, data, labelDefinition, metrics, negativeWeight));
        log.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "{0} {1}: ROC-AUC {2:F3}, PR-AUC {3:F3}, recall {4:F3} at precision {5:F2} (threshold {6:F3}); {7} training / {8} held-out examples; wrote {9}",
            name, version, metrics.RocAuc, metrics.PrAuc, metrics.RecallAtPrecision, metrics.TargetPrecision, metrics.Threshold, metrics.TrainExamples, metrics.TestExamples, modelPath));
        return new TrainedModel(name, version, modelPath, cardPath, metrics);
    }

    /// <summary>
    /// Keeps every positive and every k-th negative when there are more examples than allowed; k is the weight each
    /// kept negative then carries (1 when nothing was dropped).
    /// </summary>
    private List<Example> Subsample(List<Example> examples, out int negativeWeight)
    {
        negativeWeight = 1;
        if (examples.Count <= options.MaxExamples)
        {
            return examples;
        }

        var positives = examples.Count(e => e.Label);
        negativeWeight = Math.Max(1, (int)Math.Ceiling((examples.Count - positives) / (double)Math.Max(1, options.MaxExamples - positives)));
        var keepEvery = negativeWeight;
        var negative = 0;
        return examples.Where(e => e.Label || negative++ % keepEvery == 0).ToList();
    }

    private static double WeightedPositiveRate(List<Example> train, int negativeWeight)
    {
        var positives = train.Count(e => e.Label);
        return positives / (positives + (double)(train.Count - positives) * negativeWeight);
    }

    /// <summary>The highest recall among thresholds whose precision reaches the target (0 if none does).</summary>
    private static (double Recall, double Threshold) RecallAtPrecision(List<ScoredRow> rows, double targetPrecision)
    {
        var positives = rows.Count(r => r.Label);
        var sorted = rows.OrderByDescending(r => r.Probability).ToList();
        int truePositives = 0;
        (double Recall, double Threshold) best = (0, 1);
        for (var i = 0; i < sorted.Count; i++)
        {
            if (sorted[i].Label)
            {
                truePositives++;
            }

            var lastOfThreshold = i == sorted.Count - 1 || sorted[i + 1].Probability < sorted[i].Probability;
            if (lastOfThreshold && truePositives / (double)(i + 1) >= targetPrecision)
            {
                var recall = truePositives / (double)positives;
                if (recall > best.Recall)
                {
                    best = (recall, sorted[i].Probability);
                }
            }
        }

        return best;
    }

    private static string NextVersion(string directory, string name)
    {
        var highest = Directory.GetFiles(directory, $"{name}-v*.zip")
            .Select(path => Path.GetFileNameWithoutExtension(path)[(name.Length + 2)..])
            .Select(v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0)
            .DefaultIfEmpty(0)
            .Max();
        return $"v{highest + 1}";
    }

    private string Card(string name, string version, DataDescription data, string labelDefinition, ModelMetrics m, int negativeWeight)
    {
        var subsampled = negativeWeight > 1;
        var inv = CultureInfo.InvariantCulture;
        var card = new StringBuilder();
        card.AppendLine(inv, $"# Model card: {name} {version}");
        card.AppendLine();
        card.AppendLine(inv, $"- Trained: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC by `train` (ML.NET FastTree binary classifier, "
            + $"{options.Trees} trees, {options.Leaves} leaves, learning rate {options.LearningRate}, seed {options.Seed}).");
        card.AppendLine(inv, $"- Serves: `scores.{name}` through the worker's model directory as `{name}-{version}.zip`; its scores carry model_version `{version}`.");
        card.AppendLine();
        card.AppendLine("## Data");
        card.AppendLine();
        card.AppendLine(inv, $"- Source: `{data.Source}`, {data.Events:N0} events from {data.Users:N0} users, {data.From:yyyy-MM-dd HH:mm} to {data.To:yyyy-MM-dd HH:mm} UTC (event time).");
        var subsampling = subsampled ? $", negatives subsampled 1 in {negativeWeight} and weighted {negativeWeight}" : "";
        card.AppendLine(inv, $"- Split by time: the last {options.HoldoutShare:P0} of the range is held out ({m.TestExamples:N0} examples); "
            + $"{m.TrainExamples:N0} training examples{subsampling}.");
        card.AppendLine(inv, $"- Positive rate: {m.TrainPositiveRate:P2} in training (weighted), {m.TestPositiveRate:P2} held out.");
        card.AppendLine(inv, $"- Label: {labelDefinition}");
        card.AppendLine("- Features: the topology's own feature code replayed in event-time order, so each example has the features serving would have had at that moment (no look-ahead).");
        card.AppendLine();
        card.AppendLine("## Held-out metrics");
        card.AppendLine();
        card.AppendLine("| metric | value |");
        card.AppendLine("|---|---|");
        card.AppendLine(inv, $"| ROC-AUC | {m.RocAuc:F3} |");
        card.AppendLine(inv, $"| PR-AUC | {m.PrAuc:F3} |");
        card.AppendLine(inv, $"| recall at precision {m.TargetPrecision:F2} | {m.RecallAtPrecision:F3} (threshold {m.Threshold:F3}) |");
        card.AppendLine();
        card.AppendLine("## Features (input vector, in order)");
        card.AppendLine();
        card.AppendLine(string.Join(", ", FeatureVector.Names.Select(n => $"`{n}`")));
        card.AppendLine();
        card.AppendLine("## Limits");
        card.AppendLine();
        card.AppendLine("- Trained on the data above only; scores on traffic unlike it (new channels, other catalogues, other fraud patterns) are not calibrated.");
        card.AppendLine("- The probability is Platt-calibrated on the training data; check calibration on live data before using fixed thresholds.");
        card.AppendLine("- When the model is missing, throws or is over its latency budget, the worker serves the documented heuristic instead (model_version `heuristic`).");
        return card.ToString();
    }

    private sealed record DataDescription(string Source, int Events, int Users, DateTimeOffset From, DateTimeOffset To);

    private readonly record struct Example(long Time, float[] Features, bool Label)
    {
        public ModelInput ToInput() => new() { Features = Features, Label = Label };
    }

    private sealed class TrainingRow
    {
        [Microsoft.ML.Data.VectorType(FeatureVector.Length)]
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }

        public float Weight { get; set; }
    }

    private sealed class ScoredRow
    {
        public bool Label { get; set; }

        public float Probability { get; set; }
    }
}
